package conn

// histMax bounds the history string kept per connection. Zeek's is
// unbounded; letters past the bound are dropped and counted in
// Stats.HistoryTruncated.
const histMax = 40

// History mask bits, as Zeek's TCP_Endpoint.h (responder bits are the
// originator's shifted left by 16). UDP uses its own two low bits, which
// never meet the TCP ones on the same connection.
const (
	histSYN      = 0x1
	histFIN      = 0x2
	histRST      = 0x4
	histFINRST   = 0x8
	histData     = 0x10
	histACK      = 0x20
	histMulti    = 0x40
	histUDPOrig  = 0x1
	histUDPResp  = 0x2
	histRespBits = 16
)

// scaled is one of Zeek's logarithmic history counters ('C', 'T', 'W',
// 'G'): the letter is added at 1, 10, 100, … occurrences.
type scaled struct {
	cnt, thresh uint32
}

// addHistory appends code to the history.
func (c *Conn) addHistory(code byte) {
	if int(c.nhist) >= histMax {
		c.tbl.stats.HistoryTruncated++
		return
	}
	c.hist[c.nhist] = code
	c.nhist++
}

// checkHistory adds code the first time mask is seen and reports whether
// mask had been seen before (Zeek's Session::CheckHistory).
func (c *Conn) checkHistory(mask uint32, code byte) bool {
	if c.histSeen&mask == 0 {
		c.histSeen |= mask
		c.addHistory(code)
		return false
	}
	return true
}

// scaledHistory is Zeek's Connection::ScaledHistoryEntry with base 10.
func (c *Conn) scaledHistory(code byte, s *scaled) {
	if s.thresh == 0 {
		s.thresh = 1
	}
	s.cnt++
	if s.cnt == s.thresh {
		c.addHistory(code)
		n := s.thresh * 10
		if n <= s.thresh {
			s.cnt = 0
		} else {
			s.thresh = n
		}
	}
}

func lower(b byte) byte { return b | 0x20 }
