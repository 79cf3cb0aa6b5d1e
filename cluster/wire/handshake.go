package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"xsensor/cluster/config"
)

// Version is the protocol version spoken by this package.
const Version = 1

var magic = [4]byte{'X', 'S', 'N', 'S'}

// Handshake errors; the returned errors wrap one of these.
var (
	// ErrAuth: the peer does not know the cluster secret (or we do not).
	ErrAuth = errors.New("authentication failed: peers do not share the cluster secret (check SecretFile on both nodes)")
	// ErrVersion: the peer speaks another protocol version.
	ErrVersion = errors.New("protocol version mismatch")
	// ErrNotXsensor: the peer did not start with the xsensor magic.
	ErrNotXsensor = errors.New("peer is not an xsensor node (bad magic)")
	// ErrRefused: the peer refused us for another reason (given in the text).
	ErrRefused = errors.New("refused by peer")
)

// hello is the first message of each side.
//
//	magic[4] | version u16 | role u8 | flags u8 | epoch u64 | nonce[32] | name str8
type hello struct {
	Version uint16
	Role    config.Role
	Flags   uint8
	Epoch   uint64
	Nonce   [32]byte
	Name    string
}

const helloFixed = 4 + 2 + 1 + 1 + 8 + 32 + 1

func (h *hello) append(b []byte) []byte {
	b = append(b, magic[:]...)
	b = binary.LittleEndian.AppendUint16(b, h.Version)
	b = append(b, byte(h.Role), h.Flags)
	b = binary.LittleEndian.AppendUint64(b, h.Epoch)
	b = append(b, h.Nonce[:]...)
	b = append(b, byte(len(h.Name)))
	return append(b, h.Name...)
}

// parseHello parses a complete hello message. It never panics.
func parseHello(b []byte) (hello, error) {
	var h hello
	if len(b) < helloFixed {
		return h, fmt.Errorf("short hello (%d bytes)", len(b))
	}
	if [4]byte(b[:4]) != magic {
		return h, ErrNotXsensor
	}
	h.Version = binary.LittleEndian.Uint16(b[4:])
	h.Role = config.Role(b[6])
	h.Flags = b[7]
	h.Epoch = binary.LittleEndian.Uint64(b[8:])
	copy(h.Nonce[:], b[16:48])
	n := int(b[48])
	if len(b) != helloFixed+n {
		return h, fmt.Errorf("hello length %d does not match name length %d", len(b), n)
	}
	if h.Role > config.Control {
		return h, fmt.Errorf("unknown role %d", h.Role)
	}
	if n == 0 {
		return h, errors.New("empty node name")
	}
	for _, c := range b[helloFixed:] {
		if c <= ' ' || c >= 0x7f {
			return h, errors.New("node name has control or non-ASCII bytes")
		}
	}
	h.Name = string(b[helloFixed:])
	return h, nil
}

// readHello reads one hello from r.
func readHello(r io.Reader) (hello, []byte, error) {
	buf := make([]byte, helloFixed, helloFixed+255)
	if _, err := io.ReadFull(r, buf); err != nil {
		return hello{}, nil, err
	}
	if [4]byte(buf[:4]) != magic {
		return hello{}, nil, ErrNotXsensor
	}
	buf = buf[:helloFixed+int(buf[helloFixed-1])]
	if _, err := io.ReadFull(r, buf[helloFixed:]); err != nil {
		return hello{}, nil, err
	}
	h, err := parseHello(buf)
	return h, buf, err
}

// Status codes in the handshake.
const (
	stOK      = 0
	stAuth    = 1
	stVersion = 2
	stRefused = 3
)

func statusErr(code byte, reason string) error {
	switch code {
	case stAuth:
		return ErrAuth
	case stVersion:
		return fmt.Errorf("%w: %s", ErrVersion, reason)
	}
	return fmt.Errorf("%w: %s", ErrRefused, reason)
}

func writeStatus(w io.Writer, code byte, reason string) {
	if len(reason) > 255 {
		reason = reason[:255]
	}
	b := append([]byte{code, byte(len(reason))}, reason...)
	w.Write(b) //nolint:errcheck // best effort: we are refusing and closing
}

func readStatus(r io.Reader) (byte, string, error) {
	var h [1]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, "", err
	}
	if h[0] == stOK {
		return stOK, "", nil
	}
	var n [1]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return h[0], "", err
	}
	reason := make([]byte, n[0])
	if _, err := io.ReadFull(r, reason); err != nil {
		return h[0], "", err
	}
	return h[0], string(reason), nil
}

const (
	labelServer = "xsensor wire v1 server proof"
	labelClient = "xsensor wire v1 client proof"
)

// proof is HMAC-SHA256(secret, label | client hello | server hello). The
// hellos hold both names, roles, epochs and nonces, so a proof is bound to
// this exchange and cannot be replayed or reflected (the labels differ).
func proof(secret []byte, label string, clientHello, serverHello []byte) [32]byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(len(clientHello)))
	m.Write(l[:])
	m.Write(clientHello)
	m.Write(serverHello)
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// PeerInfo describes the authenticated other side of a connection.
type PeerInfo struct {
	Name  string
	Role  config.Role
	Epoch uint64 // the sender's sequence epoch (0 from a server)
}

type handshakeConf struct {
	name    string
	role    config.Role
	epoch   uint64
	secret  []byte
	timeout time.Duration
	// accept, on the server, may refuse an authenticated peer.
	accept func(PeerInfo) error
}

func newHello(c *handshakeConf) (hello, error) {
	h := hello{Version: Version, Role: c.role, Epoch: c.epoch, Name: c.name}
	_, err := rand.Read(h.Nonce[:])
	return h, err
}

// clientHandshake runs the dialing side over conn.
func clientHandshake(conn net.Conn, c *handshakeConf) (PeerInfo, error) {
	conn.SetDeadline(time.Now().Add(c.timeout))
	defer conn.SetDeadline(time.Time{})
	my, err := newHello(c)
	if err != nil {
		return PeerInfo{}, err
	}
	myBytes := my.append(nil)
	if _, err := conn.Write(myBytes); err != nil {
		return PeerInfo{}, fmt.Errorf("send hello: %w", err)
	}
	code, reason, err := readStatus(conn)
	if err != nil {
		return PeerInfo{}, fmt.Errorf("read server status: %w", err)
	}
	if code != stOK {
		return PeerInfo{}, statusErr(code, reason)
	}
	peer, peerBytes, err := readHello(conn)
	if err != nil {
		return PeerInfo{}, fmt.Errorf("read server hello: %w", err)
	}
	var got [32]byte
	if _, err := io.ReadFull(conn, got[:]); err != nil {
		return PeerInfo{}, fmt.Errorf("read server proof: %w", err)
	}
	want := proof(c.secret, labelServer, myBytes, peerBytes)
	if !hmac.Equal(got[:], want[:]) {
		writeStatus(conn, stAuth, "server proof does not match")
		return PeerInfo{}, fmt.Errorf("server %s: %w", peer.Name, ErrAuth)
	}
	mine := proof(c.secret, labelClient, myBytes, peerBytes)
	if _, err := conn.Write(append([]byte{stOK}, mine[:]...)); err != nil {
		return PeerInfo{}, fmt.Errorf("send proof: %w", err)
	}
	code, reason, err = readStatus(conn)
	if err != nil {
		return PeerInfo{}, fmt.Errorf("read final status from %s: %w", peer.Name, err)
	}
	if code != stOK {
		return PeerInfo{}, fmt.Errorf("server %s: %w", peer.Name, statusErr(code, reason))
	}
	return PeerInfo{Name: peer.Name, Role: peer.Role, Epoch: peer.Epoch}, nil
}

// serverHandshake runs the accepting side over conn. Nothing the peer
// sends after its proof is read before the proof is verified.
func serverHandshake(conn net.Conn, c *handshakeConf) (PeerInfo, error) {
	conn.SetDeadline(time.Now().Add(c.timeout))
	defer conn.SetDeadline(time.Time{})
	peer, peerBytes, err := readHello(conn)
	if err != nil {
		return PeerInfo{}, fmt.Errorf("read hello: %w", err)
	}
	info := PeerInfo{Name: peer.Name, Role: peer.Role, Epoch: peer.Epoch}
	if peer.Version != Version {
		msg := fmt.Sprintf("peer speaks version %d, this node %d", peer.Version, Version)
		writeStatus(conn, stVersion, msg)
		return info, fmt.Errorf("%w: %s", ErrVersion, msg)
	}
	my, err := newHello(c)
	if err != nil {
		return info, err
	}
	myBytes := my.append(nil)
	p := proof(c.secret, labelServer, peerBytes, myBytes)
	out := append(append([]byte{stOK}, myBytes...), p[:]...)
	if _, err := conn.Write(out); err != nil {
		return info, fmt.Errorf("send hello: %w", err)
	}
	code, reason, err := readStatus(conn)
	if err != nil {
		return info, fmt.Errorf("read proof: %w", err)
	}
	if code != stOK {
		return info, fmt.Errorf("peer refused our proof (%s): %w", reason, ErrAuth)
	}
	var got [32]byte
	if _, err := io.ReadFull(conn, got[:]); err != nil {
		return info, fmt.Errorf("read proof: %w", err)
	}
	want := proof(c.secret, labelClient, peerBytes, myBytes)
	if !hmac.Equal(got[:], want[:]) {
		writeStatus(conn, stAuth, "client proof does not match")
		return info, ErrAuth
	}
	if c.accept != nil {
		if err := c.accept(info); err != nil {
			writeStatus(conn, stRefused, err.Error())
			return info, fmt.Errorf("%w: %v", ErrRefused, err)
		}
	}
	if _, err := conn.Write([]byte{stOK}); err != nil {
		return info, fmt.Errorf("send status: %w", err)
	}
	return info, nil
}
