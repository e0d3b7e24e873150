package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// CanonicalJSON renders the plan in its canonical form: fields in a fixed
// order, durations in canonical form, defaults applied (for a plan returned
// by Parse without error), no insignificant whitespace. Two documents that
// mean the same plan have the same canonical JSON.
func (p *Plan) CanonicalJSON() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("rendering plan %s as canonical JSON: %w", p.Metadata.Name, err)
	}
	return b, nil
}

// Fingerprint is the plan's version fingerprint: "sha256:" and the hex
// SHA-256 of its canonical JSON. Every Region must hold the same
// fingerprint for a plan.
func (p *Plan) Fingerprint() string {
	b, err := p.CanonicalJSON()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
