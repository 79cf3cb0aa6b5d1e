package worker

import (
	"bytes"
	"net/netip"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/dpd"
)

// Light services (see dpd/lite.go): SSH, FTP and ftp-data, NTP, DHCP are
// confirmed from content for conn.log's service without a protocol log.

// ftpExpectTTL is how long an announced FTP data channel is expected
// (ftp/main.zeek schedules the FTP_DATA analyzer for 5 minutes).
const ftpExpectTTL = 5 * 60 * 1e9

// maxFTPExpected bounds the expected data channels of a worker.
const maxFTPExpected = 4096

type ftpKey struct {
	orig netip.Addr
	resp netip.AddrPort
}

// liteStart attaches the light service registered for c's responder port.
func (w *Worker) liteStartTCP(f *flowState, c *conn.Conn) {
	f.lite = dpd.LiteTCPPort(c.RespPort())
	if len(w.ftpExpected) > 0 {
		k := ftpKey{f.id.OrigH, netip.AddrPortFrom(f.id.RespH, f.id.RespP)}
		if exp, ok := w.ftpExpected[k]; ok {
			delete(w.ftpExpected, k)
			if w.now <= exp {
				c.AddService("ftp-data")
			}
		}
	}
}

// liteUDP checks a UDP datagram for a port-registered light service.
func (w *Worker) liteUDP(f *flowState, c *conn.Conn, b []byte) {
	if f.liteDone {
		return
	}
	ok := false
	switch f.lite {
	case dpd.LiteNTP:
		ok = dpd.NTP(b)
	case dpd.LiteDHCP:
		ok = dpd.DHCP(b)
	}
	if ok {
		f.liteDone = true
		c.AddService(f.lite.Service())
	}
}

// liteTCP looks at in-order bytes of an SSH or FTP connection.
func (w *Worker) liteTCP(f *flowState, isOrig bool, b []byte) {
	c := w.curConn
	switch f.lite {
	case dpd.LiteFTP:
		for len(b) > 0 {
			line := b
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				line, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if !isOrig && !f.liteDone && dpd.FTPReply(line) {
				f.liteDone = true
				c.AddService("ftp")
			}
			if ap, active, ok := dpd.FTPDataChannel(line, isOrig, f.id.RespH); ok {
				orig := f.id.OrigH
				if active {
					orig = f.id.RespH
				}
				w.expectFTPData(ftpKey{orig, ap})
			}
		}
	}
}

func (w *Worker) expectFTPData(k ftpKey) {
	if w.ftpExpected == nil {
		w.ftpExpected = make(map[ftpKey]int64)
	}
	if len(w.ftpExpected) >= maxFTPExpected {
		clear(w.ftpExpected)
	}
	w.ftpExpected[k] = w.now + ftpExpectTTL
}

// sshBanner runs dpd_ssh_client/server on a direction's first bytes; the
// service is confirmed once both sides sent a version banner.
func (w *Worker) sshBanner(f *flowState, isOrig bool, p []byte) (more bool) {
	m, more := dpd.SSHBanner(p)
	if m {
		if isOrig {
			f.ssh |= 1
		} else {
			f.ssh |= 2
		}
		if f.ssh == 3 && w.curConn != nil {
			w.curConn.AddService("ssh")
		}
	}
	return more
}
