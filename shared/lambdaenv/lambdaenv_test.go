package lambdaenv

import (
	"maps"
	"testing"
)

func TestPeerTables(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr bool
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "two", in: "us-west-2=Switchyard,eu-west-1=Other", want: map[string]string{"us-west-2": "Switchyard", "eu-west-1": "Other"}},
		{name: "spaces tolerated", in: " us-west-2=Switchyard , eu-west-1=Switchyard", want: map[string]string{"us-west-2": "Switchyard", "eu-west-1": "Switchyard"}},
		{name: "no equals", in: "us-west-2", wantErr: true},
		{name: "empty table", in: "us-west-2=", wantErr: true},
		{name: "duplicate", in: "us-west-2=A,us-west-2=B", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePeerTables(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParsePeerTables(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && !maps.Equal(got, tt.want) {
				t.Errorf("ParsePeerTables(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	t.Run("format round-trips sorted", func(t *testing.T) {
		in := map[string]string{"us-west-2": "Switchyard", "eu-west-1": "Switchyard"}
		s := FormatPeerTables(in)
		if s != "eu-west-1=Switchyard,us-west-2=Switchyard" {
			t.Errorf("FormatPeerTables = %q", s)
		}
		back, err := ParsePeerTables(s)
		if err != nil || !maps.Equal(back, in) {
			t.Errorf("round trip = %v, %v", back, err)
		}
	})
}
