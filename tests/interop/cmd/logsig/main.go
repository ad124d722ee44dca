// Command logsig helps litewitness_test.sh show what filippo.io/torchwood's
// litewitness can and cannot do with mtc's checkpoints.
//
//	logsig ca-vkey CA_CERT NAME
//	    prints the CA cosigner's signed-note verifier key (c2sp.org/signed-note
//	    "Verifier keys", type 0x06 per c2sp.org/tlog-cosignature), the key an
//	    operator would register for the log in a witness.
//
//	logsig proxy -listen ADDR -upstream URL -origin ORIGIN
//	    a tlog-witness forwarder that adds, to each add-checkpoint request, an
//	    Ed25519 signature line (signed-note type 0x01) by a key named ORIGIN,
//	    the signature the CA would need to add for litewitness to verify its
//	    checkpoints. Prints that key's verifier key, then serves until killed
//	    or for at most two minutes. Everything else passes through unchanged.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: logsig ca-vkey CA_CERT NAME | logsig proxy -listen ADDR -upstream URL -origin ORIGIN")
	}
	switch os.Args[1] {
	case "ca-vkey":
		if len(os.Args) != 4 {
			log.Fatal("usage: logsig ca-vkey CA_CERT NAME")
		}
		vkey, err := caVerifierKey(os.Args[2], os.Args[3])
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(vkey)
	case "proxy":
		proxy(os.Args[2:])
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// caVerifierKey is <name>+<key ID>+base64(0x06 || ML-DSA-44 public key), the
// key ID being SHA-256(<name> || "\n" || 0x06 || public key)[:4].
func caVerifierKey(certPath, name string) (string, error) {
	data, err := os.ReadFile(certPath)
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return "", fmt.Errorf("%s: no PEM block", certPath)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	spki := cryptobyte.String(cert.RawSubjectPublicKeyInfo)
	var body, alg cryptobyte.String
	var key asn1.BitString
	if !spki.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!body.ReadASN1BitString(&key) {
		return "", fmt.Errorf("%s: malformed subjectPublicKeyInfo", certPath)
	}
	material := append([]byte{0x06}, key.RightAlign()...)
	h := sha256.Sum256(append([]byte(name+"\n"), material...))
	return fmt.Sprintf("%s+%08x+%s", name, binary.BigEndian.Uint32(h[:4]),
		base64.StdEncoding.EncodeToString(material)), nil
}

func proxy(args []string) {
	fs := flag.NewFlagSet("proxy", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	upstream := fs.String("upstream", "", "the witness's URL prefix")
	origin := fs.String("origin", "", "the log origin, as the key name")
	fs.Parse(args)
	if *upstream == "" || *origin == "" {
		log.Fatal("proxy needs -upstream and -origin")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, *origin)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("vkey %s\nlistening http://%s\n", vkey, ln.Addr())
	client := &http.Client{Timeout: 10 * time.Second}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/add-checkpoint" {
			body, err = addLogSignature(body, signer)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		req, err := http.NewRequest(r.Method, *upstream+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		log.Printf("%s %s: %d %q", r.Method, r.URL.Path, resp.StatusCode, answer)
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(answer)
	})
	go func() {
		time.Sleep(2 * time.Minute)
		log.Fatal("proxy: two minutes are up")
	}()
	log.Fatal(http.Serve(ln, handler))
}

// addLogSignature adds a signature line to the checkpoint of a tlog-witness
// add-checkpoint request body ("old N", proof lines, a blank line, then the
// signed checkpoint; c2sp.org/tlog-witness "add-checkpoint").
func addLogSignature(body []byte, signer note.Signer) ([]byte, error) {
	head, signed, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return nil, fmt.Errorf("no blank line in the request")
	}
	split := bytes.LastIndex(signed, []byte("\n\n"))
	if split < 0 {
		return nil, fmt.Errorf("the checkpoint has no signatures")
	}
	text, sigs := signed[:split+1], signed[split+2:]
	withOurs, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(head)
	out.WriteString("\n\n")
	out.Write(withOurs)
	out.Write(sigs)
	return out.Bytes(), nil
}
