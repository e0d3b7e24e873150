// Package execute holds the end-to-end tests of plan execution: the real
// execute-plan and run-step definitions on the local engine with the real
// executor, step and approval handlers and a fake block registry, asserting
// the path taken (history) and the store state.
package execute
