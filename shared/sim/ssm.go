package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// ssmParameter is one Parameter Store parameter in one Region (Parameter
// Store does not replicate across Regions).
type ssmParameter struct {
	name, value string
	typ         ssmtypes.ParameterType
	version     int64
	modified    time.Time
}

// validParameterName applies Parameter Store's naming rules: a name with
// a hierarchy starts with "/", and names are at most 1011 characters.
func validParameterName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("parameter name is empty")
	case len(name) > 1011:
		return fmt.Errorf("parameter name %q is longer than 1011 characters", name)
	case strings.Contains(name, "/") && !strings.HasPrefix(name, "/"):
		return fmt.Errorf("parameter name %q: a name with a hierarchy must start with /", name)
	case strings.HasPrefix(name, "arn:"):
		return fmt.Errorf("parameter name %q: give the name, not the ARN", name)
	}
	return nil
}

// AddParameter stores a String parameter in region, as if created with
// PutParameter (version 1).
func (w *World) AddParameter(region, name, value string) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(region); err != nil {
			return fmt.Errorf("SSM parameter %s: %w", name, err)
		}
		if err := validParameterName(name); err != nil {
			return fmt.Errorf("SSM parameter in %s: %w", region, err)
		}
		if value == "" {
			return fmt.Errorf("SSM parameter %s in %s: the value is empty (Parameter Store needs at least one character)", name, region)
		}
		key := region + "/" + name
		if _, ok := w.params[key]; ok {
			return fmt.Errorf("SSM parameter %s in %s: %w", name, region, ErrDuplicate)
		}
		w.params[key] = &ssmParameter{name: name, value: value, typ: ssmtypes.ParameterTypeString, version: 1, modified: now}
		return nil
	})
}

// Parameter reads a parameter's value without a call; ok is false when
// it does not exist.
func (w *World) Parameter(region, name string) (value string, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.params[region+"/"+name]
	if !ok {
		return "", false
	}
	return p.value, true
}

// SSMClient is a Region's simulated Systems Manager Parameter Store API.
// GetParameter is modelled as data plane (it keeps working while the
// Region's control plane is down); PutParameter as control plane.
type SSMClient struct {
	w      *World
	region string
}

// SSM returns the Parameter Store client for region.
func (w *World) SSM(region string) *SSMClient { return &SSMClient{w: w, region: region} }

func (c *SSMClient) arn(name string) string {
	return fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", c.region, c.w.account, strings.TrimPrefix(name, "/"))
}

// resolve turns a name or ARN (of this Region and account) into a name.
func (c *SSMClient) resolve(ref string) (string, error) {
	if !strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	region, name, err := ParameterARN(ref)
	if err != nil {
		return "", apiError("ValidationException", err.Error(), faultClient)
	}
	if region != c.region || strings.Split(ref, ":")[4] != c.w.account {
		return "", &ssmtypes.ParameterNotFound{}
	}
	return name, nil
}

// GetParameter returns a parameter by name or ARN; a missing one answers
// ParameterNotFound.
func (c *SSMClient) GetParameter(ctx context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	if in == nil {
		in = &ssm.GetParameterInput{}
	}
	out := &ssm.GetParameterOutput{}
	err := c.w.do(ctx, svcSSM, "GetParameter", c.region, func(time.Time) error {
		name, err := c.resolve(aws.ToString(in.Name))
		if err != nil {
			return err
		}
		p, ok := c.w.params[c.region+"/"+name]
		if !ok {
			return &ssmtypes.ParameterNotFound{}
		}
		out.Parameter = &ssmtypes.Parameter{Name: aws.String(p.name), ARN: aws.String(c.arn(p.name)), Value: aws.String(p.value),
			Type: p.typ, Version: p.version, LastModifiedDate: aws.Time(p.modified), DataType: aws.String("text")}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutParameter creates a parameter or, with Overwrite, writes a new
// version of it (an existing one without Overwrite answers
// ParameterAlreadyExists). The name must not be an ARN.
func (c *SSMClient) PutParameter(ctx context.Context, in *ssm.PutParameterInput, _ ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	if in == nil {
		in = &ssm.PutParameterInput{}
	}
	out := &ssm.PutParameterOutput{}
	err := c.w.do(ctx, svcSSM, "PutParameter", c.region, func(now time.Time) error {
		name, value := aws.ToString(in.Name), aws.ToString(in.Value)
		if err := validParameterName(name); err != nil {
			return apiError("ValidationException", err.Error(), faultClient)
		}
		if value == "" {
			return apiError("ValidationException", "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1", faultClient)
		}
		key := c.region + "/" + name
		p, ok := c.w.params[key]
		switch {
		case ok && !aws.ToBool(in.Overwrite):
			return &ssmtypes.ParameterAlreadyExists{Message: aws.String("The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")}
		case ok:
			p.value, p.version, p.modified = value, p.version+1, now
			if in.Type != "" {
				p.typ = in.Type
			}
		default:
			typ := in.Type
			if typ == "" {
				typ = ssmtypes.ParameterTypeString
			}
			p = &ssmParameter{name: name, value: value, typ: typ, version: 1, modified: now}
			c.w.params[key] = p
		}
		out.Version, out.Tier = p.version, ssmtypes.ParameterTierStandard
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
