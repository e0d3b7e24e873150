package drill

import "testing"

// TestGroupRPOAgainstEachPlansObjective: a group meets its RPO only if every
// plan met its own, and an objective of 0s is a real objective.
func TestGroupRPOAgainstEachPlansObjective(t *testing.T) {
	tests := []struct {
		name    string
		plans   []*Result
		wantMet bool
		wantObj float64
	}{
		{"loss within the losing plan's objective", []*Result{
			{Plan: "core", Status: "SUCCEEDED", RPOSeconds: 0.8, RPOObjectiveSeconds: 1, RPOMet: true},
			{Plan: "api", Status: "SUCCEEDED", RPOSeconds: 0, RPOObjectiveSeconds: 0, RPOMet: true},
		}, true, 1},
		{"one plan over its objective", []*Result{
			{Plan: "core", Status: "SUCCEEDED", RPOSeconds: 0.8, RPOObjectiveSeconds: 0, RPOMet: false},
			{Plan: "api", Status: "SUCCEEDED", RPOSeconds: 0, RPOObjectiveSeconds: 900, RPOMet: true},
		}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := groupResult(tt.plans, len(tt.plans))
			if g.RPOMet != tt.wantMet || g.RPOObjectiveSeconds != tt.wantObj || g.RPOSeconds != 0.8 {
				t.Errorf("group RPO %.1fs objective %.1fs met %v, want 0.8s objective %.1fs met %v",
					g.RPOSeconds, g.RPOObjectiveSeconds, g.RPOMet, tt.wantObj, tt.wantMet)
			}
		})
	}
}
