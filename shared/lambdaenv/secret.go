package lambdaenv

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretValues is the Secrets Manager call Secret makes.
type SecretValues interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ SecretValues = (*secretsmanager.Client)(nil)

// Secret reads the Secrets Manager secret whose ARN is in the environment
// variable env (e.g. SlackSigningSecretArn). The value is a secret: callers
// never log it, and the errors here name the variable and the secret's ARN,
// never its value.
func Secret(ctx context.Context, sm SecretValues, env string) (string, error) {
	id := os.Getenv(env)
	if id == "" {
		return "", fmt.Errorf("%s is not set", env)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
	if err != nil {
		return "", fmt.Errorf("reading secret %s (%s): %w", id, env, err)
	}
	if out.SecretString == nil || *out.SecretString == "" {
		return "", fmt.Errorf("secret %s (%s) is empty", id, env)
	}
	return *out.SecretString, nil
}
