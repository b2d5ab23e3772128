package statement

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// SignPDF signs a rendered statement with the manufacturer's key, as a
// certification signature that allows no change afterwards, so that any
// PDF reader (and `pdfsig`) reports it valid and any changed byte breaks
// it (PSTI-SOC-F7). at is checked against the certificate's validity and
// written as the signature's date (/M); the CMS signing-time attribute is
// the clock's, and ECDSA signatures differ every time, so a signed PDF is
// not byte-for-byte reproducible (the unsigned rendering is). place is the
// place of issue.
func SignPDF(doc []byte, s *Signer, name, place string, at time.Time) ([]byte, error) {
	if s == nil || s.Key == nil || len(s.Chain) == 0 {
		return nil, errors.New("statement: unable to sign the PDF: no signing key")
	}
	if err := s.CanSign(at); err != nil {
		return nil, err
	}
	return signPDF(doc, s, name, place, at)
}

// signPDF is SignPDF without its check of the certificate's validity at
// at (tests make signatures psti would refuse to make).
func signPDF(doc []byte, s *Signer, name, place string, at time.Time) ([]byte, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, fmt.Errorf("statement: unable to sign the PDF: %w", err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(doc), &out, rdr, int64(len(doc)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name:     name,
				Location: place,
				Reason:   "Statement of compliance",
				Date:     at,
			},
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
		},
		Signer:            s.Key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.Certificate(),
		CertificateChains: [][]*x509.Certificate{s.Chain},
	})
	if err != nil {
		return nil, fmt.Errorf("statement: unable to sign the PDF: %w", err)
	}
	return out.Bytes(), nil
}
