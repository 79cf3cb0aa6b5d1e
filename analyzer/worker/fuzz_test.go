package worker

import (
	"encoding/binary"
	"testing"
)

// rawFrame builds a raw IPv4 frame (LINKTYPE_RAW) between 10.0.0.1:40000
// and 10.0.0.2:port; checksums are left zero (the worker runs with -C).
func rawFrame(tcp, fromClient bool, port uint16, flags uint8, seq, ack uint32, payload []byte) []byte {
	hl := 8
	if tcp {
		hl = 20
	}
	b := make([]byte, 20+hl+len(payload))
	b[0], b[8] = 0x45, 64
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	b[9] = 17
	if tcp {
		b[9] = 6
	}
	src, dst := []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}
	sp, dp := uint16(40000), port
	if !fromClient {
		src, dst, sp, dp = dst, src, dp, sp
	}
	copy(b[12:], src)
	copy(b[16:], dst)
	t := b[20:]
	binary.BigEndian.PutUint16(t[0:], sp)
	binary.BigEndian.PutUint16(t[2:], dp)
	if tcp {
		binary.BigEndian.PutUint32(t[4:], seq)
		binary.BigEndian.PutUint32(t[8:], ack)
		t[12] = 5 << 4
		t[13] = flags
		binary.BigEndian.PutUint16(t[14:], 65535)
	} else {
		binary.BigEndian.PutUint16(t[4:], uint16(8+len(payload)))
	}
	copy(t[hl:], payload)
	return b
}

// FuzzWorker drives the protocol layer with fuzzer-chosen TCP segments
// and UDP datagrams on the ports of every analyzer: each op is
// [kind, seq offset, length] followed by payload bytes. Nothing may
// panic, and the worker must stay consistent through connection ends.
func FuzzWorker(f *testing.F) {
	f.Add(uint16(80), []byte("\x00\x00\x10GET / HTTP/1.1\r\nHost: x\r\n\r\n\x01\x00\x11HTTP/1.1 200 OK\r\n\r\n"))
	f.Add(uint16(443), []byte("\x00\x00\x0b\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"))
	f.Add(uint16(53), []byte("\x02\x00\x11\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00"))
	f.Add(uint16(21), []byte("\x01\x00\x08220 hi\r\n\x00\x00\x15PORT 10,0,0,1,4,1\r\n"))
	f.Add(uint16(8080), []byte("\x00\x05\x04POST\x00\x00\x05 / \r\n"))
	f.Fuzz(func(t *testing.T, port uint16, ops []byte) {
		o := DefaultOptions()
		o.Decode.IgnoreChecksums = true
		o.Conn.MaxConns = 64
		o.FlushBytes = 4096
		o.Stream.MaxBytes = 64 << 10
		o.Stream.MaxDirBytes = 16 << 10
		w, err := New(o, &countSink{})
		if err != nil {
			t.Fatal(err)
		}
		ts := int64(1e9)
		cseq, sseq := uint32(1000), uint32(5000)
		w.Process(101, rawFrame(true, true, port, 0x02, cseq, 0, nil), ts, 40)
		w.Process(101, rawFrame(true, false, port, 0x12, sseq, cseq+1, nil), ts, 40)
		cseq++
		sseq++
		for n := 0; len(ops) >= 3 && n < 64; n++ {
			kind, off, l := ops[0], ops[1], int(ops[2])
			ops = ops[3:]
			if l > len(ops) {
				l = len(ops)
			}
			p := ops[:l]
			ops = ops[l:]
			ts += 1e6
			fromClient := kind&1 == 0
			switch kind % 6 {
			case 0, 1: // in-order-ish data, offset by off
				seq, ack := sseq, cseq
				if fromClient {
					seq, ack = cseq, sseq
				}
				seq += uint32(off) - 8
				w.Process(101, rawFrame(true, fromClient, port, 0x18, seq, ack, p), ts, 40+len(p))
				if fromClient {
					cseq += uint32(len(p))
				} else {
					sseq += uint32(len(p))
				}
			case 2, 3: // UDP datagram
				w.Process(101, rawFrame(false, fromClient, port, 0, 0, 0, p), ts, 28+len(p))
			case 4: // FIN
				w.Process(101, rawFrame(true, fromClient, port, 0x11, cseq, sseq, nil), ts, 40)
			case 5: // pure ack far ahead: a gap
				w.Process(101, rawFrame(true, fromClient, port, 0x10, cseq, sseq+uint32(off)*100, nil), ts, 40)
			}
		}
		w.Finish(ts + 1e9)
		if s := w.StreamStats(); s.InUse != 0 {
			t.Fatalf("%d stream blocks leaked", s.InUse)
		}
	})
}
