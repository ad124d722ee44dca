// Package tlogclient checks, with standard Go transparency-log code, a log
// that `mtc ca serve` publishes per c2sp.org/tlog-tiles and c2sp.org/mtc-tlog.
// tlog_client_test.sh starts the CA and sets the environment:
//
//	MTC_LOG_URL         the log's prefix URL
//	MTC_CA_CERT         the CA certificate (PEM): the cosigner key
//	MTC_CA_ID           the CA ID, e.g. 32473.1
//	MTC_LOG_NUMBER      the log number, e.g. 1
//	MTC_OLD_CHECKPOINT  a checkpoint of the same log taken earlier
//	MTC_CERTS_DIR       certificates issued into the log (*/cert.pem)
//	MTC_MIN_SIZE        the least tree size to expect
package tlogclient

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type config struct {
	url, caCert, caID, logNumber, oldCheckpoint, certsDir string
	minSize                                               int64
}

func loadConfig(t *testing.T) config {
	if os.Getenv("MTC_LOG_URL") == "" {
		t.Skip("MTC_LOG_URL is not set: run tlog_client_test.sh")
	}
	c := config{
		url:           os.Getenv("MTC_LOG_URL"),
		caCert:        os.Getenv("MTC_CA_CERT"),
		caID:          os.Getenv("MTC_CA_ID"),
		logNumber:     os.Getenv("MTC_LOG_NUMBER"),
		oldCheckpoint: os.Getenv("MTC_OLD_CHECKPOINT"),
		certsDir:      os.Getenv("MTC_CERTS_DIR"),
	}
	var err error
	c.minSize, err = strconv.ParseInt(os.Getenv("MTC_MIN_SIZE"), 10, 64)
	if err != nil || c.caCert == "" || c.caID == "" || c.logNumber == "" ||
		c.oldCheckpoint == "" || c.certsDir == "" {
		t.Fatal("MTC_CA_CERT, MTC_CA_ID, MTC_LOG_NUMBER, MTC_OLD_CHECKPOINT, " +
			"MTC_CERTS_DIR and MTC_MIN_SIZE must all be set")
	}
	return c
}

// memoryTiles keeps every tile it fetched, so that proving each of a few
// hundred entries does not refetch the same tiles. Nothing it holds is
// trusted: tlog.TileHashReader checks every tile against the tree it reads.
type memoryTiles struct {
	tr      torchwood.TileReader
	mu      sync.Mutex
	tiles   map[tlog.Tile][]byte
	fetched int
}

func (m *memoryTiles) ReadTiles(ctx context.Context, tiles []tlog.Tile) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var missing []tlog.Tile
	for _, t := range tiles {
		if _, ok := m.tiles[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		data, err := m.tr.ReadTiles(ctx, missing)
		if err != nil {
			return nil, err
		}
		for i, t := range missing {
			m.tiles[t] = data[i]
		}
		m.fetched += len(missing)
	}
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = m.tiles[t]
	}
	return out, nil
}

func (m *memoryTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func (m *memoryTiles) ReadEndpoint(ctx context.Context, path string) ([]byte, error) {
	return m.tr.ReadEndpoint(ctx, path)
}

// openCheckpoint parses a signed checkpoint with x/mod's note.Open, which
// also checks the CA's ML-DSA-44 cosignature line through v; the note must
// carry that signature and nothing but the three checkpoint lines
// (c2sp.org/tlog-checkpoint; docs/design.md §2 item 8).
func openCheckpoint(signed []byte, origin string, v *mldsaCosignatureVerifier) (torchwood.Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return torchwood.Checkpoint{}, fmt.Errorf("note.Open: %w", err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != v.Name() {
		return torchwood.Checkpoint{}, fmt.Errorf("verified signatures %v, want one by %s", n.Sigs, v.Name())
	}
	cp, err := torchwood.ParseCheckpoint(n.Text)
	if err != nil {
		return torchwood.Checkpoint{}, err
	}
	if cp.Origin != origin {
		return cp, fmt.Errorf("origin %q, want %q", cp.Origin, origin)
	}
	if cp.Extension != "" {
		return cp, fmt.Errorf("unexpected extension lines %q", cp.Extension)
	}
	return cp, nil
}

// readEntries fetches every entry bundle of tree, full and partial, straight
// from the c2sp.org/tlog-tiles paths, and splits it into records.
func readEntries(ctx context.Context, tiles torchwood.TileReader, tree tlog.Tree) ([][]byte, error) {
	var bundles []tlog.Tile
	for start := int64(0); start < tree.N; start += torchwood.TileWidth {
		w := min(torchwood.TileWidth, tree.N-start)
		bundles = append(bundles, tlog.Tile{H: torchwood.TileHeight, L: -1, N: start / torchwood.TileWidth, W: int(w)})
	}
	data, err := tiles.ReadTiles(ctx, bundles)
	if err != nil {
		return nil, err
	}
	var entries [][]byte
	for i, b := range bundles {
		rest := data[i]
		for range b.W {
			var e []byte
			if e, rest, err = torchwood.ReadTileEntry(rest); err != nil {
				return nil, fmt.Errorf("%s: %w", torchwood.TilePath(b), err)
			}
			entries = append(entries, e)
		}
		if len(rest) != 0 {
			return nil, fmt.Errorf("%s: %d bytes after %d entries", torchwood.TilePath(b), len(rest), b.W)
		}
	}
	return entries, nil
}

// hashStore is the tree's stored hashes (tlog.StoredHashIndex order),
// recomputed from the entries alone.
type hashStore []tlog.Hash

func (s hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = s[x]
	}
	return out, nil
}

func recompute(entries [][]byte) (hashStore, error) {
	var s hashStore
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), e, s)
		if err != nil {
			return nil, err
		}
		s = append(s, hs...)
	}
	return s, nil
}

func TestTlogClient(t *testing.T) {
	cfg := loadConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	pemBytes, err := os.ReadFile(cfg.caCert)
	if err != nil {
		t.Fatal(err)
	}
	key, err := caPublicKey(pemBytes)
	if err != nil {
		t.Fatalf("CA certificate: %v", err)
	}
	caName := oidPrefix + cfg.caID
	origin := oidPrefix + cfg.caID + ".0." + cfg.logNumber
	verifier := newMLDSACosignatureVerifier(caName, key)

	fetcher, err := torchwood.NewTileFetcher(cfg.url, torchwood.WithConcurrencyLimit(8))
	if err != nil {
		t.Fatal(err)
	}
	tiles := &memoryTiles{tr: fetcher, tiles: map[tlog.Tile][]byte{}}

	// The checkpoint, now (c2sp.org/tlog-tiles "Checkpoints").
	signed, err := fetcher.ReadEndpoint(ctx, "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := openCheckpoint(signed, origin, verifier)
	if err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, signed)
	}
	tree := cp.Tree
	t.Logf("checkpoint: origin %s, size %d, root %s, CA cosignature at %d",
		cp.Origin, tree.N, tree.Hash, verifier.timestamps[0])
	if tree.N < cfg.minSize {
		t.Fatalf("tree size %d, want at least %d", tree.N, cfg.minSize)
	}

	// Every entry bundle, and the tree recomputed from the entries alone.
	entries, err := readEntries(ctx, tiles, tree)
	if err != nil {
		t.Fatalf("entry bundles: %v", err)
	}
	store, err := recompute(entries)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tlog.TreeHash(tree.N, store)
	if err != nil {
		t.Fatal(err)
	}
	if root != tree.Hash {
		t.Fatalf("root recomputed from %d entries is %s, checkpoint says %s", len(entries), root, tree.Hash)
	}

	// Every hash tile the tree has, byte for byte against the recomputed
	// hashes, and each one authenticated against the checkpoint on the way.
	hashTiles := tlog.NewTiles(torchwood.TileHeight, 0, tree.N)
	served, err := tiles.ReadTiles(ctx, hashTiles)
	if err != nil {
		t.Fatalf("hash tiles: %v", err)
	}
	for i, ht := range hashTiles {
		want, err := tlog.ReadTileData(ht, store)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(served[i], want) {
			t.Fatalf("%s differs from the tile recomputed from the entries", torchwood.TilePath(ht))
		}
	}
	t.Logf("%d entries in %d bundles, %d hash tiles", len(entries), (tree.N+255)/256, len(hashTiles))

	// The same entries through torchwood's client, which checks each one
	// against the tiles as it goes.
	client, err := torchwood.NewClient(tiles, torchwood.WithTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	next := int64(0)
	for next < tree.N {
		before := next
		for i, e := range client.Entries(ctx, tree, next) {
			if i != next || !bytes.Equal(e, entries[i]) {
				t.Fatalf("torchwood.Client entry %d differs", i)
			}
			next++
		}
		if err := client.Err(); err != nil {
			t.Fatalf("torchwood.Client: %v", err)
		}
		if next == before {
			t.Fatalf("torchwood.Client stopped at entry %d of %d", next, tree.N)
		}
	}

	// An inclusion proof for every entry, from the served tiles
	// (tlog.ProveRecord through tlog.TileHashReader), checked against the
	// checkpoint's root.
	hashes := torchwood.TileHashReaderWithContext(ctx, tree, tiles)
	for i, e := range entries {
		proof, err := tlog.ProveRecord(tree.N, int64(i), hashes)
		if err != nil {
			t.Fatalf("ProveRecord(%d): %v", i, err)
		}
		if err := tlog.CheckRecord(proof, tree.N, tree.Hash, int64(i), tlog.RecordHash(e)); err != nil {
			t.Fatalf("CheckRecord(%d): %v", i, err)
		}
	}
	if _, _, err := client.Entry(ctx, tree, tree.N-1); err != nil {
		t.Fatalf("torchwood.Client.Entry: %v", err)
	}

	// A consistency proof from the checkpoint taken earlier.
	oldSigned, err := os.ReadFile(cfg.oldCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	old, err := openCheckpoint(oldSigned, origin, verifier)
	if err != nil {
		t.Fatalf("earlier checkpoint: %v\n%s", err, oldSigned)
	}
	if old.N <= 0 || old.N >= tree.N {
		t.Fatalf("earlier checkpoint has size %d, want 0 < size < %d", old.N, tree.N)
	}
	treeProof, err := tlog.ProveTree(tree.N, old.N, hashes)
	if err != nil {
		t.Fatalf("ProveTree(%d, %d): %v", tree.N, old.N, err)
	}
	if err := tlog.CheckTree(treeProof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
		t.Fatalf("CheckTree(%d, %d): %v", tree.N, old.N, err)
	}
	if h, err := tlog.TreeHash(old.N, store); err != nil || h != old.Hash {
		t.Fatalf("root of the first %d entries is %s (%v), earlier checkpoint says %s", old.N, h, err, old.Hash)
	}
	t.Logf("consistent with the checkpoint of size %d (%d-hash proof)", old.N, len(treeProof))

	// Every record is an MTCLogEntry, and every issued certificate stands for
	// the entry at its serial's index (draft §Certificate Format).
	parsed := make([]mtcLogEntry, len(entries))
	for i, e := range entries {
		if parsed[i], err = parseMTCLogEntry(e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	certs, err := filepath.Glob(filepath.Join(cfg.certsDir, "*", "cert.pem"))
	if err != nil || len(certs) == 0 {
		t.Fatalf("no certificates under %s (%v)", cfg.certsDir, err)
	}
	seen := map[uint64]bool{}
	for _, path := range certs {
		index, err := checkCertificate(path, cfg.logNumber, parsed)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if seen[index] {
			t.Fatalf("%s: a second certificate for entry %d", path, index)
		}
		seen[index] = true
	}
	t.Logf("%d certificates match their entries; %d tiles fetched", len(certs), tiles.fetched)
}

// checkCertificate parses an issued certificate with crypto/x509 and checks
// that the entry at its index is the TBSCertificateLogEntry it maps to.
func checkCertificate(path, logNumber string, entries []mtcLogEntry) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return 0, errors.New("no CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return 0, err
	}
	want, serial, err := logEntryDataFromCertificate(cert)
	if err != nil {
		return 0, err
	}
	// serial = (log_number << 48) | index (draft §Certificate Format).
	index := serial & (1<<48 - 1)
	if strconv.FormatUint(serial>>48, 10) != logNumber {
		return 0, fmt.Errorf("serial %#x is not in log %s", serial, logNumber)
	}
	if index >= uint64(len(entries)) {
		return 0, fmt.Errorf("index %d is beyond the tree (%d)", index, len(entries))
	}
	e := entries[index]
	if e.entryType != tbsCertEntry || !bytes.Equal(e.tbsData, want) {
		return 0, fmt.Errorf("entry %d is not the certificate's TBSCertificateLogEntry", index)
	}
	return index, nil
}
