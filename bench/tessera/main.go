// Tessera's POSIX issuance log appending the entries that sequencer_bench
// appends, for a side-by-side figure (docs/performance.md).
//
// Tessera v1.0.4 has no MTC command, so this program drives its library
// directly: tessera.NewAppender over the POSIX driver (storage/posix, which
// writes each tile and entry bundle to a temporary file, fsyncs it, renames
// it and fsyncs the directory), with an Ed25519 checkpoint signer.
//
// Usage: tessera_bench --entries N --period MS --dir PATH [--window W]
//
//	[--batch_max_age MS] [--batch_max_size N]
//
// It appends N MTCLogEntries of 400 bytes (the bytes sequencer_bench
// appends: extensions<0..2^16-1> empty, type tbs_cert_entry (1), then 396
// bytes: the entry number as 8 little-endian bytes and 388 bytes of 0x5a),
// keeping at most W appended entries not yet in a published checkpoint (the
// pushback limit is W too), with a checkpoint interval of `--period`.
// Latency is from the Add call to the first published checkpoint that
// includes the entry. Ends with "entries/s: X p99_ms: Y rss_mb: Z".
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// entry is the MTCLogEntry that sequencer_bench's Entry(i) serializes.
func entry(i uint64) []byte {
	e := make([]byte, 400)
	binary.BigEndian.PutUint16(e[2:], 1) // tbs_cert_entry
	binary.LittleEndian.PutUint64(e[4:], i)
	for j := 12; j < len(e); j++ {
		e[j] = 0x5a
	}
	return e
}

func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

type inFlight struct {
	start  time.Time
	future tessera.IndexFuture
}

func main() {
	entries := flag.Uint64("entries", 0, "entries to append")
	periodMS := flag.Uint64("period", 0, "checkpoint interval in milliseconds")
	dir := flag.String("dir", "", "directory of the log (removed first)")
	window := flag.Uint64("window", 0, "entries in flight (default: one period at 250,000/s)")
	batchAgeMS := flag.Uint64("batch_max_age", 0, "batch max age in ms (default: the period)")
	batchSize := flag.Uint64("batch_max_size", 0, "batch max size (default: the window)")
	flag.Parse()
	if *entries == 0 || *periodMS == 0 || *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: tessera_bench --entries N --period MS --dir PATH [--window W]")
		os.Exit(2)
	}
	period := time.Duration(*periodMS) * time.Millisecond
	if *window == 0 {
		*window = max(1000, 250**periodMS)
	}
	if *batchAgeMS == 0 {
		*batchAgeMS = *periodMS
	}
	if *batchSize == 0 {
		*batchSize = *window
	}
	if err := os.RemoveAll(*dir); err != nil {
		panic(err)
	}
	ctx := context.Background()
	skey, _, err := note.GenerateKey(rand.Reader, "tessera-bench")
	if err != nil {
		panic(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	driver, err := posix.New(ctx, posix.Config{Path: filepath.Join(*dir, "log1")})
	if err != nil {
		panic(err)
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithCheckpointInterval(period).
		WithBatching(uint(*batchSize), time.Duration(*batchAgeMS)*time.Millisecond).
		WithPushback(uint(*window))
	appender, shutdown, reader, err := tessera.NewAppender(ctx, driver, opts)
	if err != nil {
		panic(err)
	}
	awaiter := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, time.Millisecond)

	queue := make(chan inFlight, *window)
	latencies := make([]float64, 0, *entries)
	var errors uint64
	done := make(chan struct{})
	go func() {
		for n := uint64(0); n < *entries; n++ {
			f := <-queue
			if _, _, err := awaiter.Await(ctx, f.future); err != nil {
				errors++
			}
			latencies = append(latencies, float64(time.Since(f.start).Microseconds())/1000)
		}
		close(done)
	}()

	maxRSS := 0.0
	t0 := time.Now()
	for i := uint64(0); i < *entries; i++ {
		e := tessera.NewEntry(entry(i))
		queue <- inFlight{time.Now(), appender.Add(ctx, e)}
		if (i+1)%(max(1, *entries/10)) == 0 {
			r := rssMB()
			maxRSS = max(maxRSS, r)
			fmt.Fprintf(os.Stderr, "  %d entries appended, %.0f MB resident\n", i+1, r)
		}
	}
	<-done
	seconds := time.Since(t0).Seconds()
	if err := shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "shutdown: %v\n", err)
	}
	sort.Float64s(latencies)
	p50 := latencies[len(latencies)/2]
	p99 := latencies[len(latencies)*99/100]
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "  %d errors, %.2f s, p50 %.1f ms, window %d, batch %d / %d ms, Go heap %.0f MB\n",
		errors, seconds, p50, *window, *batchSize, *batchAgeMS, float64(ms.HeapAlloc)/(1<<20))
	fmt.Printf("entries/s: %.0f p99_ms: %.1f rss_mb: %.0f\n", float64(*entries)/seconds, p99, rssMB())
	if errors != 0 {
		os.Exit(1)
	}
}
