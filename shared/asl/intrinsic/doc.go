// Package intrinsic parses and evaluates the Amazon States Language intrinsic
// functions (States.Format, States.Array, States.MathAdd, …) that may appear
// as the value of a "key.$" field in Parameters, ResultSelector and friends.
package intrinsic
