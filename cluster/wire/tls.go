package wire

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// LoadTLS builds the server and client TLS configurations of a node from
// PEM files (xsensor.cfg's TLSCert, TLSKey and TLSCA). With caFile empty
// the certificate itself is the only trusted root: the usual cluster setup
// where every node holds the same self-signed certificate.
func LoadTLS(certFile, keyFile, caFile string) (server, client *tls.Config, err error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("load TLS key pair %s: %w", certFile, err)
	}
	roots := x509.NewCertPool()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, nil, fmt.Errorf("read TLS CA: %w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("read TLS CA %s: no PEM certificates", caFile)
		}
	} else {
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			return nil, nil, fmt.Errorf("parse %s: %w", certFile, err)
		}
		roots.AddCert(leaf)
	}
	server, client = TLSConfigs(cert, roots)
	return server, client, nil
}

// TLSConfigs returns mutual-TLS configurations (TLS 1.3) in which both
// sides present cert and verify the other's chain against roots. Host
// names are not checked: cluster membership is proven by the chain and
// then by the HMAC handshake, and nodes are often addressed by IP.
func TLSConfigs(cert tls.Certificate, roots *x509.CertPool) (server, client *tls.Config) {
	verify := func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
		if len(rawCerts) == 0 {
			return errors.New("tls: peer presented no certificate")
		}
		certs := make([]*x509.Certificate, len(rawCerts))
		for i, raw := range rawCerts {
			c, err := x509.ParseCertificate(raw)
			if err != nil {
				return fmt.Errorf("tls: parse peer certificate: %w", err)
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			return fmt.Errorf("tls: peer certificate: %w", err)
		}
		return nil
	}
	server = &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{cert},
		ClientAuth:            tls.RequireAnyClientCert,
		VerifyPeerCertificate: verify,
	}
	client = &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{cert},
		InsecureSkipVerify:    true, // replaced by verify: chain without host name
		VerifyPeerCertificate: verify,
	}
	return server, client
}
