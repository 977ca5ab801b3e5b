// Command loadgen is the dojo benchmark's client: 200 dojos of 20 members, 4,000
// WebSockets through the gateway, pilotos editing at a fixed rate, every op event
// timed at every member, then the "no acknowledged operation lost" check.
//
// It reads the plan written by seed_accounts.py (organizations, access tokens),
// talks to the running stack on 127.0.0.1 only, and stops by itself (-timeout).
// See bench/dojo/README.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

var (
	gateway     = flag.String("gateway", "http://127.0.0.1:8000", "the gateway (127.0.0.1 only)")
	planPath    = flag.String("plan", "", "plan JSON from seed_accounts.py")
	dojoCount   = flag.Int("dojos", 200, "dojos")
	memberCount = flag.Int("members", 20, "members (sockets) per dojo")
	stepsFlag   = flag.String("steps", "0.1:30,0.25:30,1:60", "edit rate per dojo (edits/s) and seconds, per step")
	concurrency = flag.Int("connect-concurrency", 24, "sockets being opened at once")
	daphnePids  = flag.String("daphne-pidfiles", "", "comma-separated pid files of the daphne instances")
	nginxPid    = flag.String("nginx-pidfile", "", "pid file of the nginx master")
	pgPid       = flag.String("postgres-pidfile", "", "pid file of the postmaster")
	redisPid    = flag.String("redis-pidfile", "", "pid file of redis")
	timeout     = flag.Duration("timeout", 8*time.Minute, "give up after this long")
	settle      = flag.Duration("settle", 3*time.Second, "pause once the sockets are open and quiet, before measuring")
	timeline    = flag.Duration("timeline", 10*time.Second, "width of the windows of the per-step latency timeline")
	lockSampler = flag.String("lock-sampler", "", "command (sh -c) sampling the database's lock waits during the edit steps, stopped with SIGINT; its output is printed")
	wsDirect    = flag.String("ws-direct", "", "comma-separated ws://127.0.0.1:<port> daphne instances to open the sockets on, round-robin, as the load balancer does on AWS (default: through the gateway)")
	sourceAddrs = flag.Int("source-addrs", 1, "open the sockets from 127.0.0.1 to 127.0.0.N, round-robin (ephemeral ports are counted per source address)")
	shardFlag   = flag.String("shard", "0/1", "i/n: drive every n-th of the -dojos dojos from the i-th (0-based), beside n-1 other load generators (one process may not hold every socket)")
	barrier     = flag.String("barrier", "", "directory where the shards wait for each other once their sockets are open and quiet (files ready-<i>)")
	shardIndex  = 0
	shardCount  = 1
)

var (
	base       = time.Now()
	phase      atomic.Int32
	closing    atomic.Bool
	framesIn   [8]atomic.Int64
	dialed     atomic.Int64
	httpClient = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128},
	}
)

func since() int64 { return int64(time.Since(base)) }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(base).Seconds(), fmt.Sprintf(format, args...))
}

// ------------------------------------------------------------------ plan

type member struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

type organization struct {
	Slug    string   `json:"slug"`
	Owner   string   `json:"owner"`
	Members []member `json:"members"`
}

type step struct {
	rate    float64
	seconds float64
}

func parseSteps(raw string) ([]step, error) {
	var steps []step
	for _, part := range strings.Split(raw, ",") {
		rate, seconds, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("step %q: want rate:seconds", part)
		}
		r, err1 := strconv.ParseFloat(rate, 64)
		s, err2 := strconv.ParseFloat(seconds, 64)
		if err1 != nil || err2 != nil || r <= 0 || s <= 0 {
			return nil, fmt.Errorf("step %q: want positive numbers", part)
		}
		steps = append(steps, step{r, s})
	}
	if len(steps) == 0 || len(steps) > 6 {
		return nil, errors.New("1 to 6 steps")
	}
	return steps, nil
}

// ------------------------------------------------------------------ HTTP

func call(ctx context.Context, method, path, token string, body any, out any) error {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(raw)
	}
	request, err := http.NewRequestWithContext(ctx, method, *gateway+path, reader)
	if err != nil {
		return err
	}
	request.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	response, err := httpClient.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	raw, err := io.ReadAll(response.Body)
	if err != nil {
		return err
	}
	if response.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, response.StatusCode, truncate(string(raw), 300))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ------------------------------------------------------------------ OT (apply only)

// apply applies a text operation (ot.js JSON: retain n > 0, insert "s", delete n < 0)
// to a document of Unicode code points, as pocdex_shared.ot does.
func apply(doc []rune, raw json.RawMessage) ([]rune, error) {
	var parts []any
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, err
	}
	out := make([]rune, 0, len(doc)+8)
	pos := 0
	for _, part := range parts {
		switch v := part.(type) {
		case float64:
			n := int(v)
			if n > 0 {
				if pos+n > len(doc) {
					return nil, errors.New("retain past the end")
				}
				out = append(out, doc[pos:pos+n]...)
				pos += n
			} else {
				if pos-n > len(doc) {
					return nil, errors.New("delete past the end")
				}
				pos -= n
			}
		case string:
			out = append(out, []rune(v)...)
		default:
			return nil, fmt.Errorf("unknown component %v", part)
		}
	}
	if pos != len(doc) {
		return nil, fmt.Errorf("operation covers %d of %d characters", pos, len(doc))
	}
	return out, nil
}

// ------------------------------------------------------------------ clients

type frame struct {
	Type     string          `json:"type"`
	Seq      *int64          `json:"seq"`
	ID       json.RawMessage `json:"id"`
	Revision int             `json:"revision"`
	Op       json.RawMessage `json:"op"`
	Code     string          `json:"code"`
	Message  string          `json:"message"`
	Resumed  bool            `json:"resumed"`
	LastSeq  int64           `json:"last_seq"`
	You      struct {
		ID string `json:"id"`
	} `json:"you"`
	State *struct {
		Seq      int64  `json:"seq"`
		Revision int    `json:"revision"`
		Document string `json:"document"`
		Roles    struct {
			Piloto *string `json:"piloto"`
		} `json:"roles"`
	} `json:"state"`
}

type ack struct {
	revision int
	op       json.RawMessage
}

type dojo struct {
	index   int
	id      string
	owner   string
	members []member
	clients []*client

	mu          sync.Mutex
	outstanding string // id of the piloto's op in flight
	payload     string // and its frame, resent as is after a reconnection
	acked       []ack
	sent        int
	skipped     [8]int // ticks with an op still unacknowledged, per step
}

type client struct {
	dojo     *dojo
	member   member
	conn     *websocket.Conn
	welcomed chan struct{}
	done     chan struct{}

	// Touched by the reader goroutine only, until it is done (or under mu).
	mu         sync.Mutex
	welcome    bool
	seq        int64
	revision   int
	doc        []rune
	piloto     string
	gaps       int
	dups       int
	preWelcome int
	opsSeen    int
	errs       []string
	lat        [8][]int32 // broadcast latency (µs) per step, other members
	sentAt     [8][]int64 // when each of those ops was sent (ns since the start)
	ackLat     [8][]int32 // the piloto's own op coming back (µs) per step
	readErr    error
	reconnects int
	resumed    int
	drops      []string
}

func (c *client) open(ctx context.Context) error {
	var ticket struct {
		URL string `json:"url"`
	}
	path := "/api/v1/dojos/" + c.dojo.id + "/ticket"
	if err := call(ctx, http.MethodPost, path, c.member.Token, nil, &ticket); err != nil {
		return err
	}
	url, source := socketURL(ticket.URL)
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := dial(dialCtx, url, source)
	if err != nil {
		return err
	}
	c.setConn(conn)
	go c.read(ctx)
	select {
	case <-c.welcomed:
		return nil
	case <-c.done:
		return fmt.Errorf("closed before the welcome: %v", c.readErr)
	case <-dialCtx.Done():
		return errors.New("no welcome within 30 s")
	}
}

// socketURL is where the next socket opens (the gateway, or the next daphne
// instance with -ws-direct), and its source address 127.0.0.<source>.
func socketURL(ticketURL string) (string, int) {
	n := int(dialed.Add(1))
	if *wsDirect != "" {
		targets := strings.Split(*wsDirect, ",")
		return targets[n%len(targets)] + ticketURL, n%*sourceAddrs + 1
	}
	return "ws" + strings.TrimPrefix(*gateway, "http") + ticketURL, n%*sourceAddrs + 1
}

// dial opens a socket from 127.0.0.<source>.
func dial(ctx context.Context, url string, source int) (*websocket.Conn, error) {
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	if source > 1 {
		dialer.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(source))}
	}
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{DialContext: dialer.DialContext},
		},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(4 << 20)
	return conn, nil
}

func (c *client) setConn(conn *websocket.Conn) {
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
}

func (c *client) getConn() *websocket.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

// reconnect does what the protocol asks of a client whose socket dropped: a new
// ticket, then the socket again with last_seq; the server replays what it missed.
func (c *client) reconnect(ctx context.Context) error {
	var ticket struct {
		URL string `json:"url"`
	}
	path := "/api/v1/dojos/" + c.dojo.id + "/ticket"
	if err := call(ctx, http.MethodPost, path, c.member.Token, nil, &ticket); err != nil {
		return err
	}
	c.mu.Lock()
	seq := c.seq
	c.mu.Unlock()
	url, source := socketURL(fmt.Sprintf("%s&last_seq=%d", ticket.URL, seq))
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := dial(dialCtx, url, source)
	if err != nil {
		return err
	}
	c.setConn(conn)
	if c == c.dojo.clients[0] {
		c.dojo.resend(ctx, conn)
	}
	return nil
}

func (c *client) read(ctx context.Context) {
	defer close(c.done)
	for {
		_, data, err := c.getConn().Read(ctx)
		now := since()
		if err != nil {
			c.mu.Lock()
			welcomed, tries := c.welcome, c.reconnects
			c.mu.Unlock()
			if ctx.Err() != nil || closing.Load() || !welcomed || tries >= 3 {
				c.mu.Lock()
				c.readErr = err
				c.mu.Unlock()
				return
			}
			c.mu.Lock()
			c.reconnects++
			if len(c.drops) < 3 {
				c.drops = append(c.drops, err.Error())
			}
			c.mu.Unlock()
			if rerr := c.reconnect(ctx); rerr != nil {
				c.mu.Lock()
				c.readErr = fmt.Errorf("%v; reconnecting: %v", err, rerr)
				c.mu.Unlock()
				return
			}
			continue
		}
		framesIn[phase.Load()].Add(1)
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.note("unparsable frame: " + truncate(string(data), 120))
			continue
		}
		if id, revision, op := c.handle(&f, now); id != "" {
			c.dojo.acknowledge(id, revision, op)
		}
	}
}

func (c *client) note(message string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) < 5 {
		c.errs = append(c.errs, message)
	}
}

// handle integrates one frame; for the piloto's own op coming back it returns its
// id, revision and op, acknowledged by the caller once c.mu is released (the
// sender takes the dojo's lock, then the piloto's).
func (c *client) handle(f *frame, now int64) (string, int, json.RawMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case f.Type == "welcome" && f.Resumed:
		// After a reconnection: the events after last_seq follow, from the log.
		c.resumed++
		if f.LastSeq != c.seq {
			c.errs = append(c.errs, fmt.Sprintf("resumed at %d, last seen %d", f.LastSeq, c.seq))
		}
		return "", 0, nil
	case f.Type == "welcome":
		if f.State == nil {
			c.errs = append(c.errs, "welcome without state")
			return "", 0, nil
		}
		c.seq, c.revision, c.doc = f.State.Seq, f.State.Revision, []rune(f.State.Document)
		if f.State.Roles.Piloto != nil {
			c.piloto = *f.State.Roles.Piloto
		}
		if !c.welcome {
			c.welcome = true
			close(c.welcomed)
		}
		return "", 0, nil
	case f.Type == "error":
		if len(c.errs) < 5 {
			c.errs = append(c.errs, "error "+f.Code+": "+f.Message)
		}
		return "", 0, nil
	case f.Seq == nil || f.Type == "op_ack":
		return "", 0, nil
	case !c.welcome:
		c.preWelcome++
		return "", 0, nil
	}
	seq := *f.Seq
	if seq <= c.seq {
		c.dups++
		return "", 0, nil
	}
	if seq > c.seq+1 {
		c.gaps++
	}
	c.seq = seq
	if f.Type != "op" {
		return "", 0, nil
	}
	doc, err := apply(c.doc, f.Op)
	if err != nil {
		if len(c.errs) < 5 {
			c.errs = append(c.errs, "op does not apply: "+err.Error())
		}
		return "", 0, nil
	}
	c.doc, c.revision = doc, f.Revision
	c.opsSeen++
	var id string
	if json.Unmarshal(f.ID, &id) != nil {
		return "", 0, nil
	}
	step, sentAt, ok := parseOpID(id)
	if !ok {
		return "", 0, nil
	}
	micros := int32((now - sentAt) / 1000)
	if c == c.dojo.clients[0] {
		c.ackLat[step] = append(c.ackLat[step], micros)
		return id, f.Revision, f.Op
	}
	c.lat[step] = append(c.lat[step], micros)
	c.sentAt[step] = append(c.sentAt[step], sentAt)
	return "", 0, nil
}

// Op ids: "b<step>.<dojo>.<n>.<sent, ns since the start>".
func opID(step, dojo, n int, sentAt int64) string {
	return fmt.Sprintf("b%d.%d.%d.%d", step, dojo, n, sentAt)
}

func parseOpID(id string) (int, int64, bool) {
	parts := strings.Split(id, ".")
	if len(parts) != 4 || !strings.HasPrefix(parts[0], "b") {
		return 0, 0, false
	}
	step, err1 := strconv.Atoi(parts[0][1:])
	sentAt, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || step < 0 || step >= 8 {
		return 0, 0, false
	}
	return step, sentAt, true
}

func (d *dojo) acknowledge(id string, revision int, op json.RawMessage) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id == d.outstanding {
		d.outstanding = ""
		d.acked = append(d.acked, ack{revision, append(json.RawMessage(nil), op...)})
	}
}

// edit sends the piloto's next insertion at the end of the document, unless the
// previous one is still unacknowledged (one operation in flight, as OTClient does).
func (d *dojo) edit(ctx context.Context, step int) {
	piloto := d.clients[0]
	d.mu.Lock()
	if d.outstanding != "" {
		d.skipped[step]++
		d.mu.Unlock()
		return
	}
	piloto.mu.Lock()
	length, revision := len(piloto.doc), piloto.revision
	piloto.mu.Unlock()
	d.sent++
	text := fmt.Sprintf("s%d;", d.sent)
	op := fmt.Sprintf(`[%d,%q]`, length, text)
	if length == 0 {
		op = fmt.Sprintf(`[%q]`, text)
	}
	sentAt := since()
	id := opID(step, d.index, d.sent, sentAt)
	payload := fmt.Sprintf(`{"type":"op","id":%q,"revision":%d,"op":%s}`, id, revision, op)
	d.outstanding, d.payload = id, payload
	d.mu.Unlock()
	writeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// A write on a dropped socket fails; the reconnection resends the op.
	_ = piloto.getConn().Write(writeCtx, websocket.MessageText, []byte(payload))
}

// resend sends the op in flight again on a new socket, with its id: the server
// applies it if it never got it, or recognizes it (docs/protocol/ot.md).
func (d *dojo) resend(ctx context.Context, conn *websocket.Conn) {
	d.mu.Lock()
	payload := d.payload
	pending := d.outstanding != ""
	d.mu.Unlock()
	if pending {
		writeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = conn.Write(writeCtx, websocket.MessageText, []byte(payload))
	}
}

// ------------------------------------------------------------------ processes

func readPid(path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.Fields(string(raw) + " 0")[0])
	return pid
}

// family is pid and its direct children (nginx workers, postgres backends).
func family(pid int) []int {
	if pid == 0 {
		return nil
	}
	pids := []int{pid}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, _ := stat(child); ppid == pid {
			pids = append(pids, child)
		}
	}
	return pids
}

// stat returns the parent pid and CPU seconds (user + system) of a process.
func stat(pid int) (int, float64, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0, 0, false
	}
	ppid, _ := strconv.Atoi(fields[1])
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return ppid, (utime + stime) / 100, true // USER_HZ is 100 on Linux
}

func rssKB(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}

type group struct {
	name string
	pids func() []int
}

type sample struct {
	rss   map[string]int64
	cpu   map[string]float64
	byPid map[string]map[int]float64 // CPU seconds per process, per group
	at    time.Time
	// Every process on the machine (name and CPU seconds), and the machine's busy seconds.
	all         map[int]named
	busy, steal float64
}

type named struct {
	comm string
	cpu  float64
}

// machineBusy returns the CPU seconds every core spent busy (not idle, not waiting for
// I/O), and of those the seconds stolen by the hypervisor (another guest ran instead).
func machineBusy() (float64, float64) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	busy, steal := 0.0, 0.0
	for i, f := range fields {
		if i == 0 || i == 4 || i == 5 || i > 8 {
			continue
		}
		v, _ := strconv.ParseFloat(f, 64)
		busy += v
		if i == 8 {
			steal = v
		}
	}
	return busy / 100, steal / 100 // USER_HZ
}

// everyProcess returns each process's name and CPU seconds.
func everyProcess() map[int]named {
	procs := map[int]named{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return procs
	}
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(raw)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		if _, cpu, ok := stat(pid); ok {
			procs[pid] = named{s[open+1 : end], cpu}
		}
	}
	return procs
}

func take(groups []group) sample {
	s := sample{rss: map[string]int64{}, cpu: map[string]float64{}, byPid: map[string]map[int]float64{},
		at: time.Now(), all: everyProcess()}
	s.busy, s.steal = machineBusy()
	for _, g := range groups {
		s.byPid[g.name] = map[int]float64{}
		for _, pid := range g.pids() {
			s.rss[g.name] += rssKB(pid)
			if _, cpu, ok := stat(pid); ok {
				s.cpu[g.name] += cpu
				s.byPid[g.name][pid] = cpu
			}
		}
	}
	var usage syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &usage) == nil {
		s.cpu["loadgen"] = float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e9
	}
	s.rss["loadgen"] = rssKB(os.Getpid())
	return s
}

// ------------------------------------------------------------------ stats

func percentile(sorted []int32, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted)-1) + 0.5)
	return float64(sorted[i]) / 1000
}

func summary(values []int32) string {
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
	if len(values) == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (n = %d)",
		percentile(values, 50), percentile(values, 95), percentile(values, 99),
		float64(values[len(values)-1])/1000, len(values))
}

// ------------------------------------------------------------------ run

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	if !strings.HasPrefix(*gateway, "http://127.0.0.1:") {
		return errors.New("-gateway must be http://127.0.0.1:<port>")
	}
	if n, err := fmt.Sscanf(*shardFlag, "%d/%d", &shardIndex, &shardCount); err != nil || n != 2 ||
		shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount {
		return fmt.Errorf("-shard %q: want i/n with 0 <= i < n", *shardFlag)
	}
	steps, err := parseSteps(*stepsFlag)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(*planPath)
	if err != nil {
		return err
	}
	var plan struct {
		Organizations []organization `json:"organizations"`
	}
	if err := json.Unmarshal(raw, &plan); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	groups := []group{{"daphne", func() []int {
		var pids []int
		for _, p := range strings.Split(*daphnePids, ",") {
			if pid := readPid(p); pid != 0 {
				pids = append(pids, pid)
			}
		}
		return pids
	}}}
	if *nginxPid != "" {
		master := readPid(*nginxPid)
		groups = append(groups, group{"nginx", func() []int { return family(master) }})
	}
	if *pgPid != "" {
		master := readPid(*pgPid)
		groups = append(groups, group{"postgres", func() []int { return family(master) }})
	}
	if *redisPid != "" {
		pid := readPid(*redisPid)
		groups = append(groups, group{"redis", func() []int { return []int{pid} }})
	}
	if len(groups[0].pids()) != 2 {
		return fmt.Errorf("want the 2 daphne pids from %s", *daphnePids)
	}

	// 1. Dojos: each organization's owner schedules and starts its share.
	dojos, err := prepare(ctx, plan.Organizations)
	if err != nil {
		return err
	}
	before := take(groups)

	// 2. Sockets: every piloto first (the first to connect is seated piloto), then
	// the other members, round-robin over the dojos.
	opened := time.Now()
	if err := connectAll(ctx, dojos); err != nil {
		return err
	}
	openSeconds := time.Since(opened).Seconds()
	sockets := len(dojos) * *memberCount
	logf("%d sockets open in %.1f s; waiting for the presence events to drain", sockets, openSeconds)
	quiet := time.Now()
	drainSeconds := waitQuiet(ctx, 2*time.Second, 120*time.Second)
	logf("quiet after %.1f s more; settling %s", time.Since(quiet).Seconds(), *settle)
	time.Sleep(*settle)
	if err := waitForShards(ctx); err != nil {
		return err
	}
	open := take(groups)

	// 3. Edits at a fixed rate per dojo, spread evenly over each period.
	samples := []sample{take(groups)}
	stepStart := time.Now().Add(500 * time.Millisecond)
	starts := make([]time.Time, len(steps)+1)
	starts[0] = stepStart
	for i, s := range steps {
		starts[i+1] = starts[i].Add(time.Duration(s.seconds * float64(time.Second)))
	}
	sampler, samplerOut, err := startSampler()
	if err != nil {
		return err
	}
	var senders sync.WaitGroup
	for _, d := range dojos {
		senders.Add(1)
		go func(d *dojo) {
			defer senders.Done()
			for i, s := range steps {
				period := time.Duration(float64(time.Second) / s.rate)
				// Spread over every shard's dojos: the shards' sends interleave evenly.
				offset := time.Duration(float64(period) * float64(d.index) / float64(*dojoCount))
				for at := starts[i].Add(offset); at.Before(starts[i+1]); at = at.Add(period) {
					time.Sleep(time.Until(at))
					if ctx.Err() != nil {
						return
					}
					d.edit(ctx, i+1)
				}
			}
		}(d)
	}
	for i, s := range steps {
		time.Sleep(time.Until(starts[i]))
		phase.Store(int32(i + 1))
		logf("step %d: %g edits/s per dojo (%.0f/s overall) for %.0f s",
			i+1, s.rate, s.rate*float64(len(dojos)), s.seconds)
	}
	time.Sleep(time.Until(starts[len(steps)]))
	phase.Store(int32(len(steps) + 1))
	samples = append(samples, take(groups))
	stopSampler(sampler)
	senders.Wait()

	// 4. Drain: every op in flight acknowledged and delivered, then verify.
	drainUntil := time.Now().Add(15 * time.Second)
	for time.Now().Before(drainUntil) && inFlight(dojos) > 0 {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	after := take(groups)
	report := verify(ctx, dojos)

	// 5. Results.
	fmt.Printf("## Dojo real-time benchmark\n\n")
	through := "through the gateway"
	if *wsDirect != "" {
		through = "on the daphne instances directly (" + *wsDirect + ")"
	}
	if shardCount > 1 {
		through += fmt.Sprintf(" (load generator %d of %d, each with its own dojos; all of them open "+
			"during the steps)", shardIndex+1, shardCount)
	}
	fmt.Printf("%d dojos x %d members = %d WebSockets %s, from %d source address(es); opened in %.1f s "+
		"(ticket + connect + welcome, %d at a time)\n\n", len(dojos), *memberCount, sockets, through,
		*sourceAddrs, openSeconds, *concurrency)
	fmt.Printf("Every join is announced to the dojo's members already connected: after the last socket "+
		"opened, those presence and roles events took %.1f s more to reach everyone.\n\n", drainSeconds)
	printLatency(dojos, steps, starts)
	printResources(before, open, samples[0], samples[len(samples)-1], after, sockets, starts)
	if sampler != nil {
		fmt.Print(samplerOut.String())
	}
	fmt.Print(report.text)

	// 6. Tidy up: end the dojos (their members get dojo_ended), close the sockets.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, d := range dojos {
		wg.Add(1)
		sem <- struct{}{}
		go func(d *dojo) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := call(ctx, http.MethodPost, "/api/v1/dojos/"+d.id+"/end", d.owner, nil, nil); err != nil {
				logf("end %s: %v", d.id, err)
			}
		}(d)
	}
	wg.Wait()
	closing.Store(true)
	for _, d := range dojos {
		for _, c := range d.clients {
			if conn := c.getConn(); conn != nil {
				_ = conn.CloseNow()
			}
		}
	}
	if !report.ok {
		return errors.New("verification failed (see above)")
	}
	return nil
}

func prepare(ctx context.Context, orgs []organization) ([]*dojo, error) {
	perOrg := (*dojoCount + len(orgs) - 1) / len(orgs)
	var dojos []*dojo
	for k, org := range orgs {
		for j := 0; j < perOrg && len(dojos) < *dojoCount; j++ {
			lo, hi := j**memberCount, (j+1)**memberCount
			if hi > len(org.Members) {
				return nil, fmt.Errorf("%s has %d members, %d dojos of %d need %d",
					org.Slug, len(org.Members), perOrg, *memberCount, perOrg**memberCount)
			}
			dojos = append(dojos, &dojo{index: len(dojos), owner: org.Owner, members: org.Members[lo:hi]})
		}
		_ = k
	}
	if len(dojos) < *dojoCount {
		return nil, fmt.Errorf("the plan holds %d dojos' worth of members, not %d", len(dojos), *dojoCount)
	}
	// This shard's dojos only: each has its own members, so shards never share a person.
	mine := dojos[:0]
	for _, d := range dojos {
		if d.index%shardCount == shardIndex {
			mine = append(mine, d)
		}
	}
	dojos = mine
	started := time.Now()
	errs := make(chan error, len(dojos))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, d := range dojos {
		wg.Add(1)
		sem <- struct{}{}
		go func(d *dojo) {
			defer wg.Done()
			defer func() { <-sem }()
			var created struct {
				ID string `json:"id"`
			}
			body := map[string]any{
				"title":             fmt.Sprintf("Bench dojo %d", d.index),
				"kata":              "Bench: the piloto appends to the document.",
				"language":          "python",
				"rotation_minutes":  30,
				"scheduled_at":      time.Now().UTC().Format(time.RFC3339),
				"visibility":        "team",
				"copiloto_may_edit": false,
			}
			if err := call(ctx, http.MethodPost, "/api/v1/dojos", d.owner, body, &created); err != nil {
				errs <- err
				return
			}
			d.id = created.ID
			if err := call(ctx, http.MethodPost, "/api/v1/dojos/"+d.id+"/start", d.owner, nil, nil); err != nil {
				errs <- err
			}
		}(d)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	logf("%d dojos created and started in %.1f s (rotation 30 min, co-piloto may not edit)",
		len(dojos), time.Since(started).Seconds())
	return dojos, nil
}

func connectAll(ctx context.Context, dojos []*dojo) error {
	for _, d := range dojos {
		d.clients = make([]*client, *memberCount)
		for i := range d.clients {
			d.clients[i] = &client{dojo: d, member: d.members[i],
				welcomed: make(chan struct{}), done: make(chan struct{})}
		}
	}
	waves := [][]*client{}
	var pilotos, others []*client
	for _, d := range dojos {
		pilotos = append(pilotos, d.clients[0])
	}
	for i := 1; i < *memberCount; i++ {
		for _, d := range dojos {
			others = append(others, d.clients[i])
		}
	}
	waves = append(waves, pilotos, others)
	var failures atomic.Int64
	var firstErr atomic.Value
	for w, wave := range waves {
		sem := make(chan struct{}, *concurrency)
		var wg sync.WaitGroup
		for n, c := range wave {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wg.Add(1)
			sem <- struct{}{}
			go func(c *client) {
				defer wg.Done()
				defer func() { <-sem }()
				if err := c.open(ctx); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}(c)
			if (n+1)%500 == 0 {
				logf("  wave %d: %d/%d sockets", w+1, n+1, len(wave))
			}
		}
		wg.Wait()
		if failures.Load() > 0 {
			return fmt.Errorf("%d sockets failed to open; first: %v", failures.Load(), firstErr.Load())
		}
	}
	for _, d := range dojos {
		p := d.clients[0]
		p.mu.Lock()
		seated := p.piloto == p.member.ID
		p.mu.Unlock()
		if !seated {
			return fmt.Errorf("dojo %s: the first member to connect is not the piloto", d.id)
		}
	}
	return nil
}

// waitQuiet returns once no frame arrived for `still` (or after `limit`): the
// seconds until the last frame.
func waitQuiet(ctx context.Context, still, limit time.Duration) float64 {
	start := time.Now()
	last, lastChange := framesIn[0].Load(), time.Now()
	for time.Since(start) < limit && ctx.Err() == nil {
		time.Sleep(250 * time.Millisecond)
		if n := framesIn[0].Load(); n != last {
			last, lastChange = n, time.Now()
		} else if time.Since(lastChange) >= still {
			break
		}
	}
	return lastChange.Sub(start).Seconds()
}

func inFlight(dojos []*dojo) int {
	n := 0
	for _, d := range dojos {
		d.mu.Lock()
		if d.outstanding != "" {
			n++
		}
		d.mu.Unlock()
	}
	return n
}

func printLatency(dojos []*dojo, steps []step, starts []time.Time) {
	fmt.Printf("### Broadcast latency, piloto's send to each other member's receipt of the op event\n\n")
	for i, s := range steps {
		var lat, ackLat []int32
		sent, skipped := 0, 0
		for _, d := range dojos {
			for _, c := range d.clients {
				c.mu.Lock()
				lat = append(lat, c.lat[i+1]...)
				ackLat = append(ackLat, c.ackLat[i+1]...)
				c.mu.Unlock()
			}
		}
		for _, d := range dojos {
			d.mu.Lock()
			sent += d.sent
			skipped += d.skipped[i+1]
			d.mu.Unlock()
		}
		seconds := starts[i+1].Sub(starts[i]).Seconds()
		frames := framesIn[i+1].Load()
		fmt.Printf("step %d: %g edit/s per dojo, %.0f edits/s offered, %.0f s\n",
			i+1, s.rate, s.rate*float64(len(dojos)), seconds)
		fmt.Printf("  to the %d other members: %s\n", *memberCount-1, summary(lat))
		fmt.Printf("  back to the piloto (op acknowledged): %s\n", summary(ackLat))
		fmt.Printf("  messages delivered: %.0f/s (all frames received by all clients: %d); "+
			"op deliveries %.0f/s\n", float64(frames)/seconds, frames,
			float64(len(lat)+len(ackLat))/seconds)
		_ = sent
		printTimeline(dojos, i+1, starts[i])
		if skipped > 0 {
			fmt.Printf("  edits skipped because the previous one was still unacknowledged: %d\n", skipped)
		}
	}
	fmt.Println()
}

// printTimeline shows the step's broadcast latency per window of send time
// (-timeline), so periodic stalls (presence heartbeat, GC, autovacuum) show up
// and can be matched with the servers' logs by their UTC clock time.
func printTimeline(dojos []*dojo, step int, start time.Time) {
	width := *timeline
	if width <= 0 {
		width = 10 * time.Second
	}
	buckets := map[int][]int32{}
	origin := int64(start.Sub(base))
	for _, d := range dojos {
		for _, c := range d.clients {
			c.mu.Lock()
			for n, at := range c.sentAt[step] {
				b := int((at - origin) / int64(width))
				buckets[b] = append(buckets[b], c.lat[step][n])
			}
			c.mu.Unlock()
		}
	}
	keys := make([]int, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		v := buckets[k]
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		offset := time.Duration(k) * width
		parts = append(parts, fmt.Sprintf("%gs: %.0f/%.0f", offset.Seconds(),
			percentile(v, 50), percentile(v, 95)))
	}
	fmt.Printf("  per %s of send time from %s UTC, p50/p95 ms: %s\n", width,
		start.UTC().Format("15:04:05"), strings.Join(parts, ", "))
}

// waitForShards returns once every shard's sockets are open and quiet (-barrier).
func waitForShards(ctx context.Context) error {
	if shardCount == 1 {
		return nil
	}
	if *barrier == "" {
		return errors.New("-shard needs -barrier")
	}
	mark := filepath.Join(*barrier, fmt.Sprintf("ready-%d", shardIndex))
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		return err
	}
	logf("shard %d of %d ready; waiting for the others", shardIndex+1, shardCount)
	for {
		ready := 0
		for i := 0; i < shardCount; i++ {
			if _, err := os.Stat(filepath.Join(*barrier, fmt.Sprintf("ready-%d", i))); err == nil {
				ready++
			}
		}
		if ready == shardCount {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the other shards: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func printResources(before, open, start, end, after sample, sockets int, starts []time.Time) {
	fmt.Printf("### Memory and CPU\n\n")
	// Not postgres: every backend's RSS counts the shared buffers again.
	for _, name := range []string{"daphne", "nginx", "redis", "loadgen"} {
		if _, ok := before.rss[name]; !ok {
			continue
		}
		delta := open.rss[name] - before.rss[name]
		held := sockets
		if name != "loadgen" {
			// The servers hold every shard's sockets (all open before "open" is taken).
			held = sockets * shardCount
		}
		fmt.Printf("%-9s RSS %7.1f MB before sockets, %7.1f MB with %d open (+%.1f KB per connection; "+
			"all of it / sockets %.1f KB), %7.1f MB after the edits\n", name, float64(before.rss[name])/1024,
			float64(open.rss[name])/1024, held, float64(delta)/float64(held),
			float64(open.rss[name])/float64(held), float64(after.rss[name])/1024)
	}
	wall := end.at.Sub(start.at).Seconds()
	fmt.Printf("\nCPU during the edit steps (%.0f s; 100%% = one core of %d):", wall, runtime.NumCPU())
	for _, name := range []string{"daphne", "nginx", "redis", "postgres", "loadgen"} {
		if _, ok := start.cpu[name]; !ok {
			continue
		}
		used := end.cpu[name] - start.cpu[name]
		if _, ok := start.byPid[name]; ok {
			// PostgreSQL backends come and go: per process (cpuUsed).
			used = 0
			for _, cpu := range cpuUsed(start.byPid[name], end.byPid[name]) {
				used += cpu
			}
		}
		fmt.Printf(" %s %.0f%%", name, used/wall*100)
	}
	// Who else used the cores: the machine's busy time, and the busiest processes
	// that are neither the stack's listed above nor this load generator.
	listed := map[int]bool{os.Getpid(): true}
	for _, sample := range []sample{start, end} {
		for _, pids := range sample.byPid {
			for pid := range pids {
				listed[pid] = true
			}
		}
	}
	var others []string
	othersTotal := 0.0
	type use struct {
		text string
		cpu  float64
	}
	var uses []use
	for pid, was := range start.all {
		now, ok := end.all[pid]
		if !ok || listed[pid] || now.cpu <= was.cpu {
			continue
		}
		othersTotal += now.cpu - was.cpu
		uses = append(uses, use{fmt.Sprintf("%s %d %.1f%%", now.comm, pid,
			(now.cpu-was.cpu)/wall*100), now.cpu - was.cpu})
	}
	sort.Slice(uses, func(i, j int) bool { return uses[i].cpu > uses[j].cpu })
	for i := 0; i < len(uses) && i < 6; i++ {
		others = append(others, uses[i].text)
	}
	fmt.Printf("\n\nThe machine's cores busy during the edit steps: %.0f%% of %d (stolen by the hypervisor: "+
		"%.1f%%); other processes %.0f%% of one core",
		(end.busy-start.busy)/wall/float64(runtime.NumCPU())*100, runtime.NumCPU(),
		(end.steal-start.steal)/wall/float64(runtime.NumCPU())*100, othersTotal/wall*100)
	if len(others) > 0 {
		fmt.Printf(", the busiest: %s", strings.Join(others, ", "))
	}
	fmt.Printf("\n\nCPU per process during the edit steps (100%% = one core):\n\n")
	for _, name := range []string{"daphne", "nginx", "redis", "postgres"} {
		var rows []string
		for pid, cpu := range cpuUsed(start.byPid[name], end.byPid[name]) {
			if cpu > 0.005*wall {
				rows = append(rows, fmt.Sprintf("%s %d %.0f%%", name, pid, cpu/wall*100))
			}
		}
		sort.Strings(rows)
		if len(rows) > 0 {
			fmt.Printf("- %s\n", strings.Join(rows, ", "))
		}
	}
	fmt.Printf("\n")
	_ = starts
}

// cpuUsed is the CPU seconds each process used between two samples: a process
// alive at the end but not at the start was born in between (a PostgreSQL backend
// opened meanwhile) and counts from zero; one gone by the end is not counted.
func cpuUsed(start, end map[int]float64) map[int]float64 {
	used := map[int]float64{}
	for pid, later := range end {
		if delta := later - start[pid]; delta > 0 {
			used[pid] = delta
		}
	}
	return used
}

type verdict struct {
	ok   bool
	text string
}

func verify(ctx context.Context, dojos []*dojo) verdict {
	var out strings.Builder
	ok := true
	acked, lost, mismatched, replayBad := 0, 0, 0, 0
	gaps, dups, pre, behind, docsOff, errorsSeen, readErrs := 0, 0, 0, 0, 0, 0, 0
	reconnects, resumed := 0, 0
	var drops []string
	var firstProblems []string
	problem := func(format string, args ...any) {
		if len(firstProblems) < 10 {
			firstProblems = append(firstProblems, fmt.Sprintf(format, args...))
		}
	}
	type replay struct {
		Revision int    `json:"revision"`
		Document string `json:"document"`
		Events   []struct {
			Type     string          `json:"type"`
			Revision int             `json:"revision"`
			Op       json.RawMessage `json:"op"`
		} `json:"events"`
		Next *int `json:"next_after_seq"`
	}
	replays := make([]replay, len(dojos))
	replayErrs := make([]error, len(dojos))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, d := range dojos {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, d *dojo) {
			defer wg.Done()
			defer func() { <-sem }()
			replayErrs[i] = call(ctx, http.MethodGet, "/api/v1/dojos/"+d.id+"/replay?limit=5000",
				d.owner, nil, &replays[i])
		}(i, d)
	}
	wg.Wait()
	for i, d := range dojos {
		d.mu.Lock()
		list := append([]ack(nil), d.acked...)
		pending := d.outstanding
		d.mu.Unlock()
		acked += len(list)
		if replayErrs[i] != nil {
			ok = false
			problem("replay %s: %v", d.id, replayErrs[i])
			continue
		}
		r := replays[i]
		// The acknowledged operations, applied in sequence from the empty document.
		var doc []rune
		for n, a := range list {
			if a.revision != n+1 {
				mismatched++
				problem("dojo %d: acknowledged revision %d at position %d", d.index, a.revision, n+1)
			}
			next, err := apply(doc, a.op)
			if err != nil {
				mismatched++
				problem("dojo %d: acknowledged op %d does not apply: %v", d.index, n+1, err)
				break
			}
			doc = next
		}
		if string(doc) != r.Document {
			lost++
			problem("dojo %d: server document (rev %d) != acknowledged ops applied (%d ops, pending %q)",
				d.index, r.Revision, len(list), pending)
		}
		if pending == "" && r.Revision != len(list) {
			lost++
			problem("dojo %d: server revision %d, %d operations acknowledged", d.index, r.Revision, len(list))
		}
		// The replay's op events reproduce the document too.
		var replayed []rune
		for _, e := range r.Events {
			if e.Type == "op" {
				next, err := apply(replayed, e.Op)
				if err != nil {
					replayBad++
					break
				}
				replayed = next
			}
		}
		if r.Next != nil || string(replayed) != r.Document {
			replayBad++
			problem("dojo %d: the replay's op events do not reproduce the document", d.index)
		}
		for _, c := range d.clients {
			c.mu.Lock()
			gaps += c.gaps
			reconnects += c.reconnects
			resumed += c.resumed
			if len(drops) < 3 {
				drops = append(drops, c.drops...)
			}
			dups += c.dups
			pre += c.preWelcome
			if c.opsSeen != len(list) && pending == "" {
				behind++
				problem("dojo %d member %s: saw %d ops, %d acknowledged", d.index, c.member.ID, c.opsSeen, len(list))
			}
			if string(c.doc) != r.Document {
				docsOff++
			}
			if len(c.errs) > 0 {
				errorsSeen++
				problem("dojo %d member %s: %s", d.index, c.member.ID, strings.Join(c.errs, "; "))
			}
			select {
			case <-c.done:
				readErrs++
				problem("dojo %d member %s: socket closed: %v", d.index, c.member.ID, c.readErr)
			default:
			}
			c.mu.Unlock()
		}
	}
	if lost+mismatched+replayBad+gaps+dups+pre+behind+docsOff+errorsSeen+readErrs > 0 {
		ok = false
	}
	mark := map[bool]string{true: "yes", false: "NO"}
	fmt.Fprintf(&out, "### No acknowledged operation lost\n\n")
	fmt.Fprintf(&out, "%d operations acknowledged over %d dojos; dojos whose server document != the "+
		"acknowledged operations applied in sequence: %d; acknowledged revisions out of sequence: %d\n",
		acked, len(dojos), lost, mismatched)
	fmt.Fprintf(&out, "replays whose op events do not reproduce the document: %d\n", replayBad)
	fmt.Fprintf(&out, "clients: sequence gaps %d, duplicates %d, sequenced frames before the welcome %d; "+
		"members that missed an op %d; member documents != server's %d; members with errors %d; "+
		"sockets closed early %d\n", gaps, dups, pre, behind, docsOff, errorsSeen, readErrs)
	fmt.Fprintf(&out, "sockets the server dropped during the run: %d, each reconnected with last_seq "+
		"(resumed welcomes: %d)\n", reconnects, resumed)
	for _, d := range drops {
		fmt.Fprintf(&out, "  dropped: %s\n", d)
	}
	fmt.Fprintf(&out, "every acknowledged operation kept, every client gapless: %s\n", mark[ok])
	for _, p := range firstProblems {
		fmt.Fprintf(&out, "  ! %s\n", p)
	}
	fmt.Fprintln(&out)
	return verdict{ok, out.String()}
}

// startSampler runs -lock-sampler for the edit steps; its output is collected.
func startSampler() (*exec.Cmd, *bytes.Buffer, error) {
	out := &bytes.Buffer{}
	if *lockSampler == "" {
		return nil, out, nil
	}
	cmd := exec.Command("sh", "-c", "exec "+*lockSampler)
	cmd.Stdout = out
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, out, fmt.Errorf("lock sampler: %w", err)
	}
	return cmd, out, nil
}

func stopSampler(cmd *exec.Cmd) {
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
