package awsevent

import "testing"

// FuzzParse checks that arbitrary input yields an error or a typed event,
// never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-22T03:00:00Z","region":"us-east-1","resources":[],"detail":{}}`))
	f.Add([]byte(`{"version":"0","id":"1","detail-type":"RDS DB Cluster Event","source":"aws.rds","account":"1","time":"2026-11-22T03:00:00Z","region":"r","resources":["x"],"detail":{"EventID":"RDS-EVENT-0181","Message":"Global switchover to DB cluster a in Region b started."}}`))
	f.Add([]byte(`[`))
	reg := NewRegistry()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := reg.Parse(data)
		if err == nil && v == nil {
			t.Fatal("nil event without an error")
		}
		if ev, ok := v.(*RDSClusterEvent); ok {
			ev.Detail.GlobalOperation()
		}
	})
}
