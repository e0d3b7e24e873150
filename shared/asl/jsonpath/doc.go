// Package jsonpath parses and evaluates the JSONPath subset the Amazon States
// Language uses: Paths ($.a.b, $['a b'], $.list[0], $.list[*], $.list[1:3],
// $..name, $.a[0,2]) and Reference Paths (only single-value paths: names and
// integer indexes). Values are the generic JSON trees encoding/json produces.
package jsonpath
