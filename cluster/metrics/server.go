package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server serves a Registry over HTTP at /metrics.
//
// Concurrency: every method may be called from any goroutine.
type Server struct {
	ln  net.Listener
	srv *http.Server

	started atomic.Uint64 // scrapes begun; a scrape's sequence number
	mu      sync.Mutex
	done    uint64        // highest sequence number of a finished scrape
	changed chan struct{} // closed and replaced when done grows
	errc    chan error
}

// Serve listens on addr (host:port; port 0 picks one) and serves the
// registry in the background until Close.
func (r *Registry) Serve(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %s: %w", addr, err)
	}
	s := &Server{ln: ln, changed: make(chan struct{}), errc: make(chan error, 1)}
	h := promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, req *http.Request) {
		seq := s.started.Add(1)
		h.ServeHTTP(w, req)
		s.finished(seq)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/" {
			http.NotFound(w, req)
			return
		}
		fmt.Fprintf(w, "xsensor %s %s: metrics at /metrics\n", r.opts.Role, r.opts.Node)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.errc <- err
	}()
	return s, nil
}

func (s *Server) finished(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq > s.done {
		s.done = seq
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL returns the metrics URL, http://ADDR/metrics.
func (s *Server) URL() string { return "http://" + s.Addr() + "/metrics" }

// Scrapes returns how many scrapes have begun.
func (s *Server) Scrapes() uint64 { return s.started.Load() }

// WaitScrape waits until a scrape that began after the call has been
// answered, or until ctx is done. A process that ends (a replay) uses it
// to keep its final counters up for a collector; it reports whether such
// a scrape happened.
func (s *Server) WaitScrape(ctx context.Context) bool {
	mark := s.started.Load()
	for {
		s.mu.Lock()
		done, ch := s.done, s.changed
		s.mu.Unlock()
		if done > mark {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// Close stops the server, letting scrapes in progress finish for up to a
// second.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.errc; err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("metrics server %s: %w", s.Addr(), err)
	}
	return nil
}
