package http

import (
	"strings"
	"testing"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/zeeklog"
)

func records(t *testing.T, orig, resp string, chunk int) []string {
	t.Helper()
	enc := zeeklog.NewEncoder(&Schema, zeeklog.TSV)
	var out []string
	var s Session
	s.Reset(conn.ID{}, func(r *Record) {
		line := string(AppendRecord(enc, nil, r))
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		out = append(out, strings.Join(f[6:24], " "))
	}, nil)
	feedChunks(&s, []byte(orig), nil, chunk)
	feedChunks(&s, nil, []byte(resp), chunk)
	s.EOF(true, 5)
	s.EOF(false, 5)
	s.Done(6)
	return out
}

func TestExchanges(t *testing.T) {
	for _, chunk := range []int{1, 3, 1000} {
		got := records(t, string(allocReq), string(allocResp), chunk)
		want := []string{
			"1 GET example.com /index.html?a=A http://x/ 1.1 test/1.0 - 0 5 200 OK 100 Continue (empty) user - X-FORWARDED-FOR -> 10.0.0.1",
			"2 POST example.com /up - 1.1 - - 24 3 200 OK - - (empty) - - -",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("chunk %d:\n got %q\nwant %q", chunk, got, want)
		}
	}
	// HTTP/0.9, a close-delimited body, HEAD and 204.
	got := records(t, "GET /old\r\n", "raw body", 4)
	if len(got) != 1 || got[0] != "1 GET - /old - 0.9 - - 0 8 0 <empty> - - (empty) - - -" {
		t.Errorf("0.9: %q", got)
	}
	got = records(t, "HEAD / HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 1000)
	if len(got) != 2 || !strings.HasPrefix(got[0], "1 HEAD") || !strings.Contains(got[0], " 0 0 200 OK") ||
		!strings.Contains(got[1], " 0 0 204 No Content") {
		t.Errorf("HEAD/204: %q", got)
	}
}
