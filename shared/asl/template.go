package asl

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/asl/intrinsic"
	"github.com/switchyard-dev/switchyard/shared/asl/jsonpath"
)

// template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector): literal JSON in which fields named "key.$" take their value
// from a path or an intrinsic function.
type template struct {
	literal any             // when not an object/array with dynamic parts
	fields  []templateField // object template
	items   []*template     // array template
	kind    int             // 0 literal, 1 object, 2 array
}

type templateField struct {
	key  string // output key (".$" stripped)
	src  string // original key, for messages
	sub  *template
	path *jsonpath.Path
	call *intrinsic.Call
}

func (p *parser) template(at string, v any) *template {
	switch x := v.(type) {
	case map[string]any:
		t := &template{kind: 1}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		seen := map[string]string{}
		for _, k := range keys {
			fat := at + "." + k
			f := templateField{key: k, src: k}
			if strings.HasSuffix(k, ".$") {
				f.key = strings.TrimSuffix(k, ".$")
				s, ok := x[k].(string)
				if !ok {
					p.errf(fat, "a field ending in .$ must be a string holding a path or an intrinsic function, got %s", jsonType(x[k]))
					continue
				}
				if intrinsic.IsIntrinsic(s) {
					c, err := intrinsic.Parse(s)
					if err != nil {
						p.errf(fat, "%v", err)
						continue
					}
					f.call = c
				} else {
					jp, err := jsonpath.Parse(s)
					if err != nil {
						p.errf(fat, "%v", err)
						continue
					}
					f.path = jp
				}
			} else {
				f.sub = p.template(fat, x[k])
			}
			if prev, dup := seen[f.key]; dup {
				p.errf(fat, "duplicates the key %q (from %q)", f.key, prev)
			}
			seen[f.key] = k
			t.fields = append(t.fields, f)
		}
		return t
	case []any:
		t := &template{kind: 2}
		for i, e := range x {
			t.items = append(t.items, p.template(fmt.Sprintf("%s[%d]", at, i), e))
		}
		return t
	default:
		return &template{literal: v}
	}
}

// apply evaluates the template against input and the context object.
func (t *template) apply(input, ctxObj any) (any, error) {
	switch t.kind {
	case 1:
		out := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			switch {
			case f.sub != nil:
				v, err := f.sub.apply(input, ctxObj)
				if err != nil {
					return nil, err
				}
				out[f.key] = v
			case f.path != nil:
				v, err := getPath(f.path, input, ctxObj)
				if err != nil {
					return nil, statesErr(ErrNameRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input", f.path, f.src)
				}
				out[f.key] = v
			case f.call != nil:
				v, err := f.call.Eval(func(p *jsonpath.Path) (any, error) { return getPath(p, input, ctxObj) })
				if err != nil {
					return nil, statesErr(ErrNameIntrinsicFailure, "The value of the field '%s' could not be computed by %s: %v", f.src, f.call.Name, err)
				}
				out[f.key] = v
			}
		}
		return out, nil
	case 2:
		out := make([]any, len(t.items))
		for i, it := range t.items {
			v, err := it.apply(input, ctxObj)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return t.literal, nil
}

// getPath evaluates p against the input, or the context object for $$ paths.
func getPath(p *jsonpath.Path, input, ctxObj any) (any, error) {
	if p.Context() {
		return p.Get(ctxObj)
	}
	return p.Get(input)
}

// pathFailure builds the States.Runtime error for a path that selects nothing.
func pathFailure(state, field string, p *jsonpath.Path, err error) *StatesError {
	var nf *jsonpath.ErrNotFound
	if errors.As(err, &nf) {
		return statesErr(ErrNameRuntime, "An error occurred while executing the state '%s'. Invalid path '%s' in %s: the path selects nothing in the input", state, p, field)
	}
	return statesErr(ErrNameRuntime, "An error occurred while executing the state '%s'. %s %s: %v", state, field, p, err)
}
