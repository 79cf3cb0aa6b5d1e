package clustertest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Trace describes a synthetic trace.
type Trace struct {
	Start time.Time
	// Handshakes are complete TCP connections (SYN, SYN-ACK, ACK, data,
	// FIN both ways) from a client to a server:port.
	Handshakes []Conn
	// Scanner sends one SYN (never answered) to each of Victims on
	// ScanPort.
	Scanner  string
	Victims  []string
	ScanPort uint16
	// Tail adds a last UDP packet this long after the rest, so that
	// connection timers expire inside the trace; 0 for none.
	Tail time.Duration
}

// Conn is one TCP connection of a Trace.
type Conn struct {
	Client, Server string
	Port           uint16
}

type writer struct {
	w   *bufio.Writer
	ts  time.Time
	err error
}

func (w *writer) tcp(src, dst string, sp, dp uint16, seq, ack uint32, flags string, payload []byte) {
	if w.err != nil {
		return
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	t := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: seq, Ack: ack, Window: 65535}
	for _, f := range flags {
		switch f {
		case 'S':
			t.SYN = true
		case 'A':
			t.ACK = true
		case 'F':
			t.FIN = true
		case 'P':
			t.PSH = true
		case 'R':
			t.RST = true
		}
	}
	t.SetNetworkLayerForChecksum(ip)
	w.write(eth, ip, t, gopacket.Payload(payload))
}

func (w *writer) udp(src, dst string, sp, dp uint16, payload []byte) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	u := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
	u.SetNetworkLayerForChecksum(ip)
	w.write(eth, ip, u, gopacket.Payload(payload))
}

func (w *writer) write(ls ...gopacket.SerializableLayer) {
	if w.err != nil {
		return
	}
	buf := gopacket.NewSerializeBuffer()
	if w.err = gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); w.err != nil {
		return
	}
	b := buf.Bytes()
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(w.ts.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(w.ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(b)))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(b)))
	w.w.Write(h[:])
	_, w.err = w.w.Write(b)
	w.ts = w.ts.Add(time.Millisecond)
}

// Write writes t to path as a pcap file.
func (t *Trace) Write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write trace: %w", err)
	}
	defer f.Close()
	pw := bufio.NewWriter(f)
	var fh [24]byte
	binary.LittleEndian.PutUint32(fh[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(fh[4:], 2)
	binary.LittleEndian.PutUint16(fh[6:], 4)
	binary.LittleEndian.PutUint32(fh[16:], 65535)
	binary.LittleEndian.PutUint32(fh[20:], 1) // Ethernet
	pw.Write(fh[:])
	start := t.Start
	if start.IsZero() {
		start = time.Unix(1700000000, 0)
	}
	w := &writer{w: pw, ts: start}
	for i, c := range t.Handshakes {
		sp := uint16(40000 + i)
		cs, ss := uint32(1000), uint32(5000)
		req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		w.tcp(c.Client, c.Server, sp, c.Port, cs, 0, "S", nil)
		w.tcp(c.Server, c.Client, c.Port, sp, ss, cs+1, "SA", nil)
		w.tcp(c.Client, c.Server, sp, c.Port, cs+1, ss+1, "A", nil)
		w.tcp(c.Client, c.Server, sp, c.Port, cs+1, ss+1, "PA", req)
		w.tcp(c.Server, c.Client, c.Port, sp, ss+1, cs+1+uint32(len(req)), "PA", resp)
		w.tcp(c.Client, c.Server, sp, c.Port, cs+1+uint32(len(req)), ss+1+uint32(len(resp)), "FA", nil)
		w.tcp(c.Server, c.Client, c.Port, sp, ss+1+uint32(len(resp)), cs+2+uint32(len(req)), "FA", nil)
		w.tcp(c.Client, c.Server, sp, c.Port, cs+2+uint32(len(req)), ss+2+uint32(len(resp)), "A", nil)
	}
	for i, v := range t.Victims {
		w.tcp(t.Scanner, v, uint16(50000+i), t.ScanPort, uint32(7000+i), 0, "S", nil)
	}
	if t.Tail > 0 {
		w.ts = w.ts.Add(t.Tail)
		w.udp("192.0.2.1", "192.0.2.2", 1234, 9999, []byte("tail"))
	}
	if w.err != nil {
		return fmt.Errorf("write trace: %w", w.err)
	}
	if err := pw.Flush(); err != nil {
		return fmt.Errorf("write trace: %w", err)
	}
	return nil
}

// Hosts returns n addresses prefix.1 … prefix.n ("10.1.0" → 10.1.0.1…).
func Hosts(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s.%d", prefix, i+1)
	}
	return out
}
