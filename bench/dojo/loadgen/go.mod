module pocdex.local/bench/dojo/loadgen

go 1.24

require github.com/coder/websocket v1.8.14 // indirect
