// Package devserve tests `switchyard dev serve` end to end: the server in
// process on 127.0.0.1:0, a fake Slack, and real signed HTTP requests.
package devserve
