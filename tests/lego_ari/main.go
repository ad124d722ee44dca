// Command legoari drives the ACME client library of lego v5 (go-acme/lego,
// the code its CLI runs) against an ACME server, and prints what it sees,
// one "name: value" line each, for lego_ari_test.sh to check:
//
//  1. registers an account (with external account binding, RFC 8555
//     §7.3.4, when -eab-kid is given) and obtains a certificate over
//     http-01;
//  2. fetches the certificate's renewalInfo (RFC 9773 §4) and asks lego's
//     RenewalInfo.ShouldRenewAt when to renew;
//  3. renews with UseARICertID, so that newOrder carries "replaces"
//     (RFC 9773 §5);
//  4. renews the same certificate again with "replaces": the server must
//     refuse it with 409 alreadyReplaced (lego then retries without
//     "replaces", RFC 9773 §5 leaves that to the client).
//
// An http.RoundTripper under lego's client prints every newOrder lego sends
// ("replaces" decoded from the JWS payload) with the server's answer, and
// every renewalInfo request, so the script sees the protocol, not only
// lego's results.
//
// lego's command-line program cannot be built from the Go module proxy
// (its logger's module gitlab.com/greyxor/slogor and most DNS provider
// SDKs are refused with 403), so this program calls the same library
// functions its "renew" command does (cmd/internal/root/process_renew.go).
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/acme/api"
	"github.com/go-acme/lego/v5/certcrypto"
	"github.com/go-acme/lego/v5/certificate"
	"github.com/go-acme/lego/v5/challenge/http01"
	"github.com/go-acme/lego/v5/lego"
	"github.com/go-acme/lego/v5/registration"
)

// recorder prints newOrder and renewalInfo exchanges.
type recorder struct {
	base   http.RoundTripper
	orders int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	isOrder := req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/acme/new-order")
	replaces := ""
	if isOrder && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var jws struct {
			Payload string `json:"payload"`
		}
		var payload struct {
			Replaces string `json:"replaces"`
		}
		if json.Unmarshal(body, &jws) == nil {
			if raw, err := base64.RawURLEncoding.DecodeString(jws.Payload); err == nil {
				_ = json.Unmarshal(raw, &payload)
			}
		}
		replaces = payload.Replaces
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil || (!isOrder && !strings.Contains(req.URL.Path, "/renewal-info/")) {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if !isOrder {
		fmt.Printf("renewalInfo request: %s %s -> %d\n", req.Method, req.URL.Path, resp.StatusCode)
		return resp, nil
	}
	var answer struct {
		Type     string `json:"type"`
		Replaces string `json:"replaces"`
	}
	_ = json.Unmarshal(body, &answer)
	r.orders++
	fmt.Printf("newOrder %d: replaces=%s status=%d type=%s reflected=%s\n",
		r.orders, replaces, resp.StatusCode, answer.Type, answer.Replaces)
	return resp, nil
}

type user struct {
	key          crypto.Signer
	registration *acme.ExtendedAccount
}

func (u *user) GetEmail() string                       { return "ops@a.example" }
func (u *user) GetRegistration() *acme.ExtendedAccount { return u.registration }
func (u *user) GetPrivateKey() crypto.Signer           { return u.key }

func main() {
	directory := flag.String("directory", "", "ACME directory URL")
	httpPort := flag.String("http-port", "", "port of lego's http-01 responder on 127.0.0.1")
	domain := flag.String("domain", "a.example", "name to certify")
	eabKid := flag.String("eab-kid", "", "external account binding key ID")
	eabHmac := flag.String("eab-hmac", "", "external account binding MAC key, base64url")
	out := flag.String("out", "", "directory for the certificates (PEM)")
	flag.Parse()
	if err := run(*directory, *httpPort, *domain, *eabKid, *eabHmac, *out); err != nil {
		fmt.Fprintf(os.Stderr, "legoari: %v\n", err)
		os.Exit(1)
	}
}

func leaf(res *certificate.Resource) (*x509.Certificate, error) {
	certs, err := certcrypto.ParsePEMBundle(res.Certificate)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

func run(directory, httpPort, domain, eabKid, eabHmac, out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	u := &user{key: key}
	// LEGO_CA_CERTIFICATES (read by lego.NewConfig) trusts the ACME endpoint.
	config := lego.NewConfig(u)
	config.CADirURL = directory
	config.Certificate.Timeout = 60 * time.Second
	base := config.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	config.HTTPClient.Transport = &recorder{base: base}
	client, err := lego.NewClient(config)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	fmt.Printf("externalAccountRequired: %v\n", client.GetServerMetadata().ExternalAccountRequired)
	if err := client.Challenge.SetHTTP01Provider(http01.NewProviderServer("127.0.0.1", httpPort)); err != nil {
		return err
	}

	// 1. Account and first certificate.
	if eabKid != "" {
		u.registration, err = client.Registration.RegisterWithExternalAccountBinding(ctx,
			registration.RegisterEABOptions{TermsOfServiceAgreed: true, Kid: eabKid, HmacEncoded: eabHmac})
	} else {
		u.registration, err = client.Registration.Register(ctx, registration.RegisterOptions{TermsOfServiceAgreed: true})
	}
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	fmt.Printf("account: %s\n", u.registration.Location)
	if eabKid != "" {
		binding := map[string]any{}
		if len(u.registration.ExternalAccountBinding) > 0 {
			_ = json.Unmarshal(u.registration.ExternalAccountBinding, &binding)
		}
		fmt.Printf("account externalAccountBinding returned: %v\n", len(binding) == 3)
		return nil
	}
	first, err := client.Certificate.Obtain(ctx, certificate.ObtainRequest{
		Domains: []string{domain}, KeyType: certcrypto.EC256, Bundle: true})
	if err != nil {
		return fmt.Errorf("obtain: %w", err)
	}
	if err := os.WriteFile(out+"/first.pem", first.Certificate, 0o644); err != nil {
		return err
	}
	firstLeaf, err := leaf(first)
	if err != nil {
		return err
	}
	certID, err := api.MakeARICertID(firstLeaf)
	if err != nil {
		return err
	}
	fmt.Printf("certID: %s\n", certID)
	fmt.Printf("notBefore: %s\nnotAfter: %s\n",
		firstLeaf.NotBefore.UTC().Format(time.RFC3339), firstLeaf.NotAfter.UTC().Format(time.RFC3339))

	// 2. ARI, as `lego renew` asks it (getARIRenewalTime).
	info, err := client.Certificate.GetRenewalInfo(ctx, firstLeaf)
	if err != nil {
		return fmt.Errorf("renewalInfo: %w", err)
	}
	fmt.Printf("window start: %s\nwindow end: %s\nretry after: %d\n",
		info.SuggestedWindow.Start.UTC().Format(time.RFC3339),
		info.SuggestedWindow.End.UTC().Format(time.RFC3339), int64(info.RetryAfter.Seconds()))
	now := time.Now().UTC()
	if at := info.ShouldRenewAt(now, 0); at != nil {
		fmt.Printf("renew now: %s\n", at.Format(time.RFC3339))
	} else {
		fmt.Printf("renew now: no\n")
	}
	// Willing to sleep past the window's end, lego picks a time inside it.
	if at := info.ShouldRenewAt(now, info.SuggestedWindow.End.Sub(now)+time.Hour); at != nil {
		fmt.Printf("renew at: %s\n", at.UTC().Format(time.RFC3339))
	}

	// 3. The renewal names its predecessor ("replaces").
	options := &certificate.RenewOptions{KeyType: certcrypto.EC256, Bundle: true, UseARICertID: true}
	second, err := client.Certificate.Renew(ctx, *first, options)
	if err != nil {
		return fmt.Errorf("renew with replaces: %w", err)
	}
	if err := os.WriteFile(out+"/second.pem", second.Certificate, 0o644); err != nil {
		return err
	}
	secondLeaf, err := leaf(second)
	if err != nil {
		return err
	}
	fmt.Printf("renewed serial differs: %v\n", secondLeaf.SerialNumber.Cmp(firstLeaf.SerialNumber) != 0)

	// 4. The same predecessor again.
	if _, err := client.Certificate.Renew(ctx, *first, options); err != nil {
		problem := &acme.ProblemDetails{}
		if errors.As(err, &problem) {
			fmt.Printf("second replacement: %d %s\n", problem.HTTPStatus, problem.Type)
		} else {
			fmt.Printf("second replacement: %v\n", err)
		}
	} else {
		fmt.Printf("second replacement: ok\n")
	}
	return nil
}
