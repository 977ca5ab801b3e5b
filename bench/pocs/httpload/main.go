// Command httpload sends the POC search benchmark's HTTP requests through the
// gateway and times each one on the client side.
//
// A Python client with several threads spends about a millisecond of CPU per
// request (requests, urllib3, JSON decoding), serialized by its GIL, on the same
// two cores as the platform: it inflates the latencies it measures, most of all
// with several requests in flight. This client costs a fraction of that.
//
// Input (stdin): a JSON array of jobs, each [token, query]; an empty token sends
// no Authorization header (the plain view). Worker i takes jobs i, i+c, i+2c…,
// one request at a time on a keep-alive connection of its own, as the Python
// workers of bench_pocs.py did. Output (stdout): JSON with every latency in ms,
// the wall time, the failures (status other than 200, or a transport error) and
// how many responses had results. 127.0.0.1 only; it stops at -deadline.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

type result struct {
	LatenciesMS []float64 `json:"latencies_ms"`
	ElapsedS    float64   `json:"elapsed_s"`
	Failures    int       `json:"failures"`
	Found       int       `json:"found"`
}

// body holds the lists whose lengths tell whether a response found anything:
// results (search), names, tags and languages (suggest).
type body struct {
	Results   []json.RawMessage `json:"results"`
	Names     []json.RawMessage `json:"names"`
	Tags      []json.RawMessage `json:"tags"`
	Languages []json.RawMessage `json:"languages"`
}

func main() {
	gateway := flag.String("gateway", "http://127.0.0.1:8000", "the gateway (127.0.0.1 only)")
	path := flag.String("path", "/api/v1/search/pocs", "the path to request")
	concurrency := flag.Int("concurrency", 4, "requests in flight")
	deadline := flag.Duration("deadline", 5*time.Minute, "stop sending after this long")
	flag.Parse()
	if err := run(*gateway, *path, *concurrency, *deadline); err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
}

func run(gateway, path string, concurrency int, deadline time.Duration) error {
	base, err := url.Parse(gateway)
	if err != nil || (base.Hostname() != "127.0.0.1" && base.Hostname() != "localhost") {
		return errors.New("the gateway must be on 127.0.0.1 (or localhost)")
	}
	if concurrency < 1 || concurrency > 64 {
		return errors.New("concurrency must be 1 to 64")
	}
	var jobs [][2]string
	if err := json.NewDecoder(os.Stdin).Decode(&jobs); err != nil {
		return fmt.Errorf("jobs on stdin: %w", err)
	}
	stop := time.Now().Add(deadline)
	var (
		mu  sync.Mutex
		out = result{LatenciesMS: make([]float64, 0, len(jobs))}
		wg  sync.WaitGroup
	)
	started := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{
				Timeout:   10 * time.Second,
				Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
			}
			var latencies []float64
			failures, found := 0, 0
			for i := w; i < len(jobs); i += concurrency {
				if time.Now().After(stop) {
					break
				}
				t := time.Now()
				n, err := send(client, gateway+path, jobs[i][0], jobs[i][1])
				latencies = append(latencies, float64(time.Since(t).Microseconds())/1000)
				if err != nil {
					failures++
				} else if n > 0 {
					found++
				}
			}
			mu.Lock()
			out.LatenciesMS = append(out.LatenciesMS, latencies...)
			out.Failures += failures
			out.Found += found
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	out.ElapsedS = time.Since(started).Seconds()
	return json.NewEncoder(os.Stdout).Encode(out)
}

// send makes one request and returns how many items the response lists (1 for
// a 200 without lists, such as the plain view).
func send(client *http.Client, target, token, query string) (int, error) {
	if query != "" {
		target += "?" + url.Values{"q": {query}}.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return 1, nil
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return 0, err
	}
	if b.Results != nil {
		return len(b.Results), nil
	}
	if b.Names != nil || b.Tags != nil || b.Languages != nil {
		return len(b.Names) + len(b.Tags) + len(b.Languages), nil
	}
	return 1, nil
}
