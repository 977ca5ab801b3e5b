module pocdex.local/bench/pocs/httpload

go 1.24
