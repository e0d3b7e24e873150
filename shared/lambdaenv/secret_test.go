package lambdaenv

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type fakeSecrets map[string]string

func (f fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v, ok := f[*in.SecretId]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

func TestSecret(t *testing.T) {
	sm := fakeSecrets{"arn:signing": "s3cret", "arn:empty": ""}
	tests := []struct {
		name, env, want, wantErr string
	}{
		{"read", "arn:signing", "s3cret", ""},
		{"unset variable", "", "", SlackSigningSecretArn + " is not set"},
		{"missing secret", "arn:nope", "", "reading secret arn:nope (" + SlackSigningSecretArn + ")"},
		{"empty secret", "arn:empty", "", "secret arn:empty (" + SlackSigningSecretArn + ") is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(SlackSigningSecretArn, tt.env)
			got, err := Secret(t.Context(), sm, SlackSigningSecretArn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error reveals the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Secret = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
