package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

type secret struct {
	name, arn, value string
	created          time.Time
}

// AddSecret stores a secret (or a replica of one) in region.
func (w *World) AddSecret(region, name, value string) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(region); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
		if name == "" {
			return fmt.Errorf("secret in %s: name is empty", region)
		}
		key := region + "/" + name
		if _, ok := w.secrets[key]; ok {
			return fmt.Errorf("secret %s in %s: %w", name, region, ErrDuplicate)
		}
		w.secrets[key] = &secret{name: name, value: value, created: now,
			arn: fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", region, w.account, name)}
		return nil
	})
}

// SecretsManagerClient is a Region's simulated Secrets Manager API.
type SecretsManagerClient struct {
	w      *World
	region string
}

// SecretsManager returns the Secrets Manager client for region.
func (w *World) SecretsManager(region string) *SecretsManagerClient {
	return &SecretsManagerClient{w: w, region: region}
}

func (c *SecretsManagerClient) find(id *string) (*secret, error) {
	ref := aws.ToString(id)
	for _, k := range sortedKeys(c.w.secrets) {
		s := c.w.secrets[k]
		if k[:len(k)-len(s.name)-1] == c.region && (s.name == ref || s.arn == ref) {
			return s, nil
		}
	}
	return nil, &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
}

// DescribeSecret describes a secret without its value.
func (c *SecretsManagerClient) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	if in == nil {
		in = &secretsmanager.DescribeSecretInput{}
	}
	out := &secretsmanager.DescribeSecretOutput{}
	err := c.w.do(ctx, svcSecretsManager, "DescribeSecret", c.region, func(time.Time) error {
		s, err := c.find(in.SecretId)
		if err != nil {
			return err
		}
		out.ARN, out.Name, out.CreatedDate = aws.String(s.arn), aws.String(s.name), aws.Time(s.created)
		out.VersionIdsToStages = map[string][]string{"sim-v1": {"AWSCURRENT"}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetSecretValue returns a secret's current value.
func (c *SecretsManagerClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if in == nil {
		in = &secretsmanager.GetSecretValueInput{}
	}
	out := &secretsmanager.GetSecretValueOutput{}
	err := c.w.do(ctx, svcSecretsManager, "GetSecretValue", c.region, func(time.Time) error {
		s, err := c.find(in.SecretId)
		if err != nil {
			return err
		}
		out.ARN, out.Name, out.CreatedDate = aws.String(s.arn), aws.String(s.name), aws.Time(s.created)
		out.SecretString, out.VersionId, out.VersionStages = aws.String(s.value), aws.String("sim-v1"), []string{"AWSCURRENT"}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
