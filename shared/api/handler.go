package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/switchyard-dev/switchyard/shared/api/apigw"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Handler serves the /v1 API.
type Handler struct {
	backend Backend
	plans   Plans
	caller  func(*http.Request) string
	log     *slog.Logger
	mux     *http.ServeMux
}

// Option configures a Handler.
type Option func(*Handler)

// WithCaller sets how the caller's identity is read from a request. The
// default is apigw.Caller (the IAM principal API Gateway authenticated);
// `dev serve` supplies its own.
func WithCaller(f func(*http.Request) string) Option { return func(h *Handler) { h.caller = f } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// NewHandler returns the API handler over backend and plans.
func NewHandler(backend Backend, plans Plans, opts ...Option) *Handler {
	h := &Handler{
		backend: backend, plans: plans, log: slog.Default(),
		caller: func(r *http.Request) string { return apigw.Caller(r.Context()) },
	}
	for _, o := range opts {
		o(h)
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/executions", h.start)
	m.HandleFunc("GET /v1/executions", h.list)
	m.HandleFunc("GET /v1/executions/{id}", h.describe)
	m.HandleFunc("GET /v1/executions/{id}/events", h.events)
	m.HandleFunc("POST /v1/executions/{id}/approve", h.approve)
	m.HandleFunc("POST /v1/executions/{id}/decision", h.decide)
	m.HandleFunc("POST /v1/executions/{id}/cancel", h.cancel)
	m.HandleFunc("GET /v1/plans", h.listPlans)
	m.HandleFunc("GET /v1/plans/{name}", h.getPlan)
	m.HandleFunc("GET /v1/plans/{name}/readiness", h.readiness)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "", fmt.Sprintf("no route %s %s (see /v1/executions and /v1/plans)", r.Method, r.URL.Path), "")
	})
	h.mux = m
	return h
}

// ServeHTTP serves one request. Every route needs an authenticated caller
// (401 otherwise).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.caller(r) == "" {
		writeError(w, http.StatusUnauthorized, "unauthenticated", "", "no authenticated caller (sign requests with SigV4 for the API's IAM authorizer)", "")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Field     string `json:"field"`
		Execution string `json:"execution,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, field, message, execution string) {
	var b errorBody
	b.Error.Code, b.Error.Field, b.Error.Message, b.Error.Execution = code, field, message, execution
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail maps an error to its response: *InputError 400, ErrNotFound 404,
// *ConflictError 409, the rest 500 (logged, message generic).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var in *InputError
	var c *ConflictError
	var np *store.NotPendingError
	switch {
	case errors.As(err, &in):
		writeError(w, http.StatusBadRequest, in.Code, in.Field, in.Error(), "")
	case errors.Is(err, ErrNotFound), errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "", err.Error(), "")
	case errors.As(err, &c):
		writeError(w, http.StatusConflict, c.Code, "", c.Message, c.Execution)
	case errors.As(err, &np):
		writeError(w, http.StatusConflict, "not_pending", "", np.Error(), "")
	default:
		h.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path, "error", err.Error())
		writeError(w, http.StatusInternalServerError, "internal", "", "internal error; the request may not have been carried out (retry is safe: every action is idempotent)", "")
	}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return nil, invalid("", "too_large", "request body unreadable or over %d bytes", MaxBodyBytes)
	}
	return b, nil
}

func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := DecodeStart(r.Context(), h.plans, body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, created, err := h.backend.Start(r.Context(), h.caller(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "execution start", "plan", in.Plan, "execution", e.ID, "created", created, "caller", h.caller(r))
	w.Header().Set("Location", "/v1/executions/"+url.PathEscape(e.ID))
	writeJSON(w, http.StatusAccepted, map[string]any{"executionId": e.ID, "created": created, "status": e.Status})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := ListFilter{Plan: q.Get("plan"), Status: q.Get("status")}
	if f.Plan != "" && !planNameRE.MatchString(f.Plan) {
		h.fail(w, r, invalid("plan", "invalid", "plan %q is not a plan name", clip(f.Plan)))
		return
	}
	statuses := []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		h.fail(w, r, invalid("status", "invalid", "status %q is not one of %v", clip(f.Status), statuses))
		return
	}
	es, err := h.backend.List(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if es == nil {
		es = []Execution{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"executions": es})
}

func (h *Handler) id(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !idRE.MatchString(id) {
		h.fail(w, r, fmt.Errorf("execution %q: %w", clip(id), ErrNotFound))
		return "", false
	}
	return id, true
}

func (h *Handler) describe(w http.ResponseWriter, r *http.Request) {
	id, ok := h.id(w, r)
	if !ok {
		return
	}
	e, err := h.backend.Describe(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	id, ok := h.id(w, r)
	if !ok {
		return
	}
	ev, err := h.backend.Events(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ev == nil {
		ev = []Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"executionId": id, "events": ev})
}

// authorize checks that the caller is one of the fallback approvers of the
// execution's plan. It returns the execution, or writes the refusal.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, id string) (Execution, bool) {
	e, err := h.backend.Describe(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return e, false
	}
	p, _, err := h.plans.Plan(r.Context(), e.Plan, e.PlanVersion)
	if err != nil {
		h.fail(w, r, fmt.Errorf("loading plan %s of execution %s: %w", e.Plan, id, errors.Join(err, errors.New("plan unavailable"))))
		return e, false
	}
	caller := h.caller(r)
	var allowed []string
	if p.Spec.Approval != nil {
		allowed = p.Spec.Approval.FallbackApprovers
	}
	if !PrincipalAllowed(caller, allowed) {
		h.log.WarnContext(r.Context(), "api action refused", "execution", id, "plan", e.Plan, "caller", caller, "path", r.URL.Path)
		writeError(w, http.StatusForbidden, "not_an_approver", "", fmt.Sprintf("%s is not a fallback approver of plan %s (spec.approval.fallbackApprovers)", caller, e.Plan), "")
		return e, false
	}
	return e, true
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) {
	steer(h, w, r, DecodeApprove, h.backend.Approve)
}

func (h *Handler) decide(w http.ResponseWriter, r *http.Request) {
	steer(h, w, r, DecodeDecision, h.backend.Decide)
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	steer(h, w, r, DecodeCancel, h.backend.Cancel)
}

// steer serves the POST /v1/executions/{id}/… actions that change an
// execution: decode the body (400 on bad input), authorize the caller
// against the plan's fallback approvers (403), then act — in that order, so
// a rejected request changes nothing.
func steer[In, Out any](h *Handler, w http.ResponseWriter, r *http.Request,
	decode func([]byte) (In, error), act func(context.Context, string, string, In) (Out, error)) {
	id, ok := h.id(w, r)
	if !ok {
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := decode(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, ok := h.authorize(w, r, id); !ok {
		return
	}
	out, err := act(r.Context(), id, h.caller(r), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) listPlans(w http.ResponseWriter, r *http.Request) {
	ps, err := h.plans.ListPlans(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ps == nil {
		ps = []PlanSummary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"plans": ps})
}

func (h *Handler) planName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !planNameRE.MatchString(name) {
		h.fail(w, r, fmt.Errorf("plan %q: %w", clip(name), ErrNotFound))
		return "", false
	}
	return name, true
}

func (h *Handler) getPlan(w http.ResponseWriter, r *http.Request) {
	name, ok := h.planName(w, r)
	if !ok {
		return
	}
	p, sum, err := h.plans.Plan(r.Context(), name, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"summary": sum, "plan": p})
}

func (h *Handler) readiness(w http.ResponseWriter, r *http.Request) {
	name, ok := h.planName(w, r)
	if !ok {
		return
	}
	if _, _, err := h.plans.Plan(r.Context(), name, ""); err != nil {
		h.fail(w, r, err)
		return
	}
	rs, err := h.plans.Readiness(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if rs == nil {
		rs = []Readiness{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"plan": name, "regions": rs})
}
