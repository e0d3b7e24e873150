// Command slack is a fixture for the infra template tests: a tiny function
// whose name matches the settings table.
package main

func main() {}
