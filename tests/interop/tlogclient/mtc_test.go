package tlogclient

// The MTC-specific pieces the generic tlog code does not know: the CA's
// ML-DSA-44 checkpoint cosignature as a note.Verifier, the MTCLogEntry
// records inside entry bundles, and the TBSCertificateLogEntry a certificate
// maps to. Everything here is written from the specs, not from mtc's C++.

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"

	"filippo.io/mldsa"
	"filippo.io/torchwood"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/mod/sumdb/note"
)

// oidPrefix turns a trust anchor ID into a checkpoint origin or cosigner name
// (c2sp.org/mtc-tlog, "Representing Trust Anchor IDs").
const oidPrefix = "oid/1.3.6.1.4.1."

// id-ml-dsa-44 (FIPS 204 in X.509, RFC 9881).
var oidMLDSA44 = []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11}

// sigTypeMLDSA44 is the signed-note signature type of ML-DSA-44 cosignatures
// (c2sp.org/tlog-cosignature, "Format").
const sigTypeMLDSA44 = 0x06

// caPublicKey reads the CA cosigner's ML-DSA-44 public key from the CA
// certificate's subjectPublicKeyInfo (draft §Representing Certification
// Authorities).
func caPublicKey(certPEM []byte) (*mldsa.PublicKey, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
	//                                     subjectPublicKey BIT STRING }
	spki := cryptobyte.String(cert.RawSubjectPublicKeyInfo)
	var body, alg cryptobyte.String
	var key asn1.BitString
	if !spki.ReadASN1(&body, cbasn1.SEQUENCE) || !spki.Empty() ||
		!body.ReadASN1(&alg, cbasn1.SEQUENCE) || !body.ReadASN1BitString(&key) ||
		!body.Empty() {
		return nil, errors.New("malformed subjectPublicKeyInfo")
	}
	// ML-DSA AlgorithmIdentifiers have absent parameters (RFC 9881 §2).
	if !bytes.Equal(alg, oidMLDSA44) {
		return nil, fmt.Errorf("CA key algorithm %x is not id-ml-dsa-44", []byte(alg))
	}
	return mldsa.NewPublicKey(mldsa.MLDSA44(), key.RightAlign())
}

// mldsaCosignatureVerifier is a note.Verifier for ML-DSA-44 checkpoint
// cosignatures (c2sp.org/tlog-cosignature, "ML-DSA-44 signed message"), so
// that x/mod's note.Open checks the CA's signature line itself.
type mldsaCosignatureVerifier struct {
	name string
	key  *mldsa.PublicKey
	// timestamps records the timestamp of each signature that verified.
	timestamps []uint64
}

func newMLDSACosignatureVerifier(name string, key *mldsa.PublicKey) *mldsaCosignatureVerifier {
	return &mldsaCosignatureVerifier{name: name, key: key}
}

func (v *mldsaCosignatureVerifier) Name() string { return v.name }

// KeyHash is SHA-256(<name> || "\n" || 0x06 || public key)[:4]
// (c2sp.org/tlog-cosignature, "Format"; c2sp.org/signed-note, "Signatures").
func (v *mldsaCosignatureVerifier) KeyHash() uint32 {
	h := sha256.New()
	h.Write([]byte(v.name + "\n"))
	h.Write([]byte{sigTypeMLDSA44})
	h.Write(v.key.Bytes())
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// Verify checks sig, a timestamped_signature (u64 timestamp, then the 2420-byte
// ML-DSA-44 signature), over the cosigned_message of the checkpoint msg.
func (v *mldsaCosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+mldsa.MLDSA44().SignatureSize() {
		return false
	}
	cp, err := torchwood.ParseCheckpoint(string(msg))
	if err != nil {
		return false
	}
	timestamp := binary.BigEndian.Uint64(sig[:8])
	m, err := cosignedMessage(v.name, timestamp, cp)
	if err != nil {
		return false
	}
	// Pure ML-DSA with an empty context string (docs/design.md §2 item 3).
	if mldsa.Verify(v.key, m, sig[8:], nil) != nil {
		return false
	}
	v.timestamps = append(v.timestamps, timestamp)
	return true
}

// cosignedMessage builds, for a checkpoint (start 0, end = tree size):
//
//	struct {
//	    uint8 label[12] = "subtree/v1\n\0";
//	    opaque cosigner_name<1..2^8-1>;
//	    uint64 timestamp;
//	    opaque log_origin<1..2^8-1>;
//	    uint64 start;
//	    uint64 end;
//	    uint8 hash[32];
//	} cosigned_message;
func cosignedMessage(name string, timestamp uint64, cp torchwood.Checkpoint) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddBytes([]byte("subtree/v1\n\x00"))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(name)) })
	b.AddUint64(timestamp)
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(cp.Origin)) })
	b.AddUint64(0)
	b.AddUint64(uint64(cp.N))
	b.AddBytes(cp.Hash[:])
	return b.Bytes()
}

var _ note.Verifier = (*mldsaCosignatureVerifier)(nil)

// MTCLogEntryType values (draft §Log Entries).
const (
	nullEntry    = 0
	tbsCertEntry = 1
)

// mtcLogEntry is one parsed record of an entry bundle.
type mtcLogEntry struct {
	extensions []byte // the extensions vector's contents
	entryType  uint16
	tbsData    []byte // tbs_cert_entry_data, for tbs_cert_entry
}

// parseMTCLogEntry reads (draft §Log Entries):
//
//	struct {
//	    MTCLogEntryExtension extensions<0..2^16-1>;
//	    MTCLogEntryType type;
//	    select (type) {
//	       case null_entry: Empty;
//	       case tbs_cert_entry: opaque tbs_cert_entry_data[N];
//	    }
//	} MTCLogEntry;
func parseMTCLogEntry(data []byte) (mtcLogEntry, error) {
	s := cryptobyte.String(data)
	var e mtcLogEntry
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.ReadUint16(&e.entryType) {
		return e, errors.New("truncated MTCLogEntry")
	}
	e.extensions = exts
	// Extensions ascend strictly by extension_type.
	last := -1
	for !exts.Empty() {
		var typ uint16
		var value cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&value) {
			return e, errors.New("malformed MTCLogEntryExtension")
		}
		if int(typ) <= last {
			return e, errors.New("extensions not in ascending order")
		}
		last = int(typ)
	}
	switch e.entryType {
	case nullEntry:
		if !s.Empty() {
			return e, errors.New("null_entry with data")
		}
	case tbsCertEntry:
		e.tbsData = s
		if err := checkTBSCertificateLogEntry(e.tbsData); err != nil {
			return e, err
		}
	default:
		return e, fmt.Errorf("unknown MTCLogEntryType %d", e.entryType)
	}
	return e, nil
}

// checkTBSCertificateLogEntry checks that data is the DER contents of
//
//	TBSCertificateLogEntry ::= SEQUENCE {
//	    version               [0] EXPLICIT Version DEFAULT v1,
//	    issuer                    Name,
//	    validity                  Validity,
//	    subject                   Name,
//	    subjectPublicKeyAlgorithm AlgorithmIdentifier,
//	    subjectPublicKeyInfoHash  OCTET STRING,
//	    issuerUniqueID        [1] IMPLICIT UniqueIdentifier OPTIONAL,
//	    subjectUniqueID       [2] IMPLICIT UniqueIdentifier OPTIONAL,
//	    extensions            [3] EXPLICIT Extensions OPTIONAL }
func checkTBSCertificateLogEntry(data []byte) error {
	s := cryptobyte.String(data)
	var skip, hash cryptobyte.String
	tag0 := cbasn1.Tag(0).Constructed().ContextSpecific()
	if !s.SkipOptionalASN1(tag0) ||
		!s.ReadASN1(&skip, cbasn1.SEQUENCE) || // issuer
		!s.ReadASN1(&skip, cbasn1.SEQUENCE) || // validity
		!s.ReadASN1(&skip, cbasn1.SEQUENCE) || // subject
		!s.ReadASN1(&skip, cbasn1.SEQUENCE) || // subjectPublicKeyAlgorithm
		!s.ReadASN1(&hash, cbasn1.OCTET_STRING) ||
		!s.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific()) ||
		!s.SkipOptionalASN1(cbasn1.Tag(2).ContextSpecific()) ||
		!s.SkipOptionalASN1(cbasn1.Tag(3).Constructed().ContextSpecific()) ||
		!s.Empty() {
		return errors.New("malformed TBSCertificateLogEntry")
	}
	if len(hash) != sha256.Size {
		return fmt.Errorf("subjectPublicKeyInfoHash of %d bytes", len(hash))
	}
	return nil
}

// logEntryDataFromCertificate builds the tbs_cert_entry_data a certificate
// stands for (draft §Verifying Certificate Signatures, step 7): the
// TBSCertificate's fields with subjectPublicKeyInfo replaced by its algorithm
// and hash. It also returns the certificate's serial number.
func logEntryDataFromCertificate(cert *x509.Certificate) (data []byte, serial uint64, err error) {
	// TBSCertificate ::= SEQUENCE {
	//     version [0] EXPLICIT Version DEFAULT v1, serialNumber, signature,
	//     issuer, validity, subject, subjectPublicKeyInfo,
	//     issuerUniqueID [1] OPTIONAL, subjectUniqueID [2] OPTIONAL,
	//     extensions [3] EXPLICIT OPTIONAL }
	input := cryptobyte.String(cert.RawTBSCertificate)
	var tbs cryptobyte.String
	if !input.ReadASN1(&tbs, cbasn1.SEQUENCE) || !input.Empty() {
		return nil, 0, errors.New("malformed TBSCertificate")
	}
	var version, issuer, validity, subject, spki, alg, rest cryptobyte.String
	var skip cryptobyte.String
	tag0 := cbasn1.Tag(0).Constructed().ContextSpecific()
	hasVersion := tbs.PeekASN1Tag(tag0)
	if (hasVersion && !tbs.ReadASN1Element(&version, tag0)) ||
		!tbs.ReadASN1Integer(&serial) ||
		!tbs.ReadASN1(&skip, cbasn1.SEQUENCE) || // signature
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return nil, 0, errors.New("malformed TBSCertificate")
	}
	rest = tbs // issuerUniqueID, subjectUniqueID, extensions: copied as they are
	whole, body := spki, cryptobyte.String(nil)
	if !whole.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
		return nil, 0, errors.New("malformed subjectPublicKeyInfo")
	}
	hash := sha256.Sum256(spki)
	b := cryptobyte.NewBuilder(nil)
	if hasVersion {
		b.AddBytes(version)
	}
	b.AddBytes(issuer)
	b.AddBytes(validity)
	b.AddBytes(subject)
	b.AddBytes(alg)
	b.AddASN1OctetString(hash[:])
	b.AddBytes(rest)
	data, err = b.Bytes()
	return data, serial, err
}
