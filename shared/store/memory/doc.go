// Package memory is the in-memory store.Store used by drills, the local
// engine and tests. It is safe for concurrent use; time comes from an
// injected clock, so leases and approval deadlines follow virtual time.
package memory
