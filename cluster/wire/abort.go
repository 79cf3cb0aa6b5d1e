package wire

// Abort stops the Server like a crash: it closes the listeners and
// connections but makes no final commit, so what was taken since the
// last commit is neither persisted nor acknowledged. For fault-injection
// tests of receivers (a logger killed with -9).
func (s *Server) Abort() { s.abort() }
