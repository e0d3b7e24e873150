package asl

import (
	"strings"
	"testing"
)

func TestSubstitute(t *testing.T) {
	def := []byte(`{"Resource":"${FnArn}","X":"${FnArn}-${Other}"}`)
	if got := Placeholders(def); strings.Join(got, ",") != "FnArn,Other" {
		t.Errorf("Placeholders = %v", got)
	}
	out, err := Substitute(def, map[string]string{"FnArn": "arn:aws:lambda:us-east-1:1:function:f", "Other": "o"})
	if err != nil || string(out) != `{"Resource":"arn:aws:lambda:us-east-1:1:function:f","X":"arn:aws:lambda:us-east-1:1:function:f-o"}` {
		t.Errorf("Substitute = %s, %v", out, err)
	}
	if _, err := Substitute(def, map[string]string{"FnArn": "x"}); err == nil || !strings.Contains(err.Error(), "Other") {
		t.Errorf("missing substitution err = %v, want it to name Other", err)
	}
}

func FuzzParseDefinition(f *testing.F) {
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Format('{}', $.a)"},"End":true}}}`)
	f.Add(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.x","IsPresent":true},"Next":"C"}],"Default":"C"}}}`)
	f.Add(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseDefinition([]byte(s))
	})
}
