package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

const (
	skAuditPrefix    = "AUDIT#"
	skAuditKeyPrefix = "AUDITKEY#"
)

var (
	auditKind = kind[store.AuditRecord]{name: "audit"}
	claimKind = kind[auditClaim]{name: "auditKey"}
)

// auditClaim reserves an idempotency key before its record is appended.
type auditClaim struct {
	// Base is the last sequence number seen before the claim was written: no
	// record at or below it can carry the key.
	Base int64
	// Seq is the record's number once known (0: not yet).
	Seq int64
	// Record is the record to append, as the first caller gave it.
	Record store.AuditRecord
}

func auditSK(seq int64) string { return fmt.Sprintf("%s%020d", skAuditPrefix, seq) }

// AppendAudit implements store.Audit. A record is written with
// attribute_not_exists at the number after the last one, so two appends can
// never take the same number and numbers never skip (n+1 is only tried once n
// exists). With a Key, a claim item is written first; whoever holds or finds
// the claim looks for the record among those appended since the claim's base
// before appending it, so the record is appended once even if callers race
// or die midway.
func (s *Store) AppendAudit(ctx context.Context, r store.AuditRecord) (store.AuditRecord, error) {
	r, err := rules.NewAudit(r, s.clock.Now())
	if err != nil {
		return r, err
	}
	pk := execPK(r.Execution)
	if r.Key == "" {
		for range maxAttempts {
			last, err := s.lastAuditSeq(ctx, pk)
			if err != nil {
				return r, err
			}
			r.Seq = last + 1
			switch err := save(ctx, s, auditKind, pk, auditSK(r.Seq), r, 0); {
			case errors.Is(err, errRace):
				continue
			case err != nil:
				return r, fmt.Errorf("appending to the audit log of %s: %w", r.Execution, err)
			}
			return r, nil
		}
		return r, fmt.Errorf("%w: the audit log of %s kept growing during %d attempts to append to it; try again", store.ErrConflict, r.Execution, maxAttempts)
	}

	base, err := s.lastAuditSeq(ctx, pk)
	if err != nil {
		return r, err
	}
	claimSK := skAuditKeyPrefix + r.Key
	var claim auditClaim
	err = mutate(ctx, s, claimKind, pk, claimSK, func(cur *auditClaim) (*auditClaim, error) {
		if cur != nil {
			claim = *cur
			return nil, nil
		}
		claim = auditClaim{Base: base, Record: r}
		return &claim, nil
	})
	if err != nil {
		return r, fmt.Errorf("claiming audit key %q of %s: %w", r.Key, r.Execution, err)
	}
	if claim.Seq > 0 {
		rec, _, err := load[store.AuditRecord](ctx, s, pk, auditSK(claim.Seq))
		if err != nil {
			return r, err
		}
		if rec != nil {
			return *rec, nil
		}
	}
	for range maxAttempts {
		recs, err := query[store.AuditRecord](ctx, s, &dynamodb.QueryInput{
			KeyConditionExpression:   aws.String("#pk = :pk AND #sk BETWEEN :from AND :to"),
			ExpressionAttributeNames: map[string]string{"#pk": store.AttrPK, "#sk": store.AttrSK},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk":   &types.AttributeValueMemberS{Value: pk},
				":from": &types.AttributeValueMemberS{Value: auditSK(claim.Base + 1)},
				":to":   &types.AttributeValueMemberS{Value: auditSK(1<<62 - 1)},
			},
			ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return r, fmt.Errorf("reading the audit log of %s: %w", r.Execution, err)
		}
		last := claim.Base
		for _, rec := range recs {
			if rec.Key == r.Key {
				return rec, s.settleClaim(ctx, pk, claimSK, rec.Seq)
			}
			last = max(last, rec.Seq)
		}
		rec := claim.Record
		rec.Seq = last + 1
		switch err := save(ctx, s, auditKind, pk, auditSK(rec.Seq), rec, 0); {
		case errors.Is(err, errRace):
			continue
		case err != nil:
			return r, fmt.Errorf("appending to the audit log of %s: %w", r.Execution, err)
		}
		return rec, s.settleClaim(ctx, pk, claimSK, rec.Seq)
	}
	return r, fmt.Errorf("%w: the audit log of %s kept growing during %d attempts to append to it; try again", store.ErrConflict, r.Execution, maxAttempts)
}

// settleClaim records where a claimed record landed, so repeats find it
// with one read.
func (s *Store) settleClaim(ctx context.Context, pk, sk string, seq int64) error {
	err := mutate(ctx, s, claimKind, pk, sk, func(cur *auditClaim) (*auditClaim, error) {
		if cur == nil || cur.Seq == seq {
			return nil, nil
		}
		next := *cur
		next.Seq = seq
		return &next, nil
	})
	if err != nil {
		return fmt.Errorf("settling audit claim %s: %w", sk, err)
	}
	return nil
}

// lastAuditSeq is the number of the last record (0: none).
func (s *Store) lastAuditSeq(ctx context.Context, pk string) (int64, error) {
	out, err := s.api.Query(ctx, &dynamodb.QueryInput{
		TableName:                aws.String(s.table),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{"#pk": store.AttrPK, "#sk": store.AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: pk},
			":prefix": &types.AttributeValueMemberS{Value: skAuditPrefix},
		},
		ProjectionExpression: aws.String("#sk"),
		ScanIndexForward:     aws.Bool(false),
		Limit:                aws.Int32(1),
		ConsistentRead:       aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("reading the last audit record of %s: %w", pk, err)
	}
	if len(out.Items) == 0 {
		return 0, nil
	}
	sk, ok := out.Items[0][store.AttrSK].(*types.AttributeValueMemberS)
	if !ok {
		return 0, fmt.Errorf("audit record of %s has no string sort key", pk)
	}
	var seq int64
	if _, err := fmt.Sscanf(sk.Value, skAuditPrefix+"%d", &seq); err != nil {
		return 0, fmt.Errorf("audit record of %s has a malformed sort key %q: %w", pk, sk.Value, err)
	}
	return seq, nil
}

// ListAudit implements store.Audit.
func (s *Store) ListAudit(ctx context.Context, execution string, afterSeq int64, limit int) ([]store.AuditRecord, error) {
	in := &dynamodb.QueryInput{
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk BETWEEN :from AND :to"),
		ExpressionAttributeNames: map[string]string{"#pk": store.AttrPK, "#sk": store.AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: execPK(execution)},
			":from": &types.AttributeValueMemberS{Value: auditSK(max(afterSeq, 0) + 1)},
			":to":   &types.AttributeValueMemberS{Value: auditSK(1<<62 - 1)},
		},
		ConsistentRead: aws.Bool(true),
	}
	if limit > 0 {
		in.Limit = aws.Int32(int32(min(limit, 1<<30)))
	}
	recs, err := queryLimit[store.AuditRecord](ctx, s, in, limit)
	if err != nil {
		return nil, fmt.Errorf("listing the audit log of %s: %w", execution, err)
	}
	return nonNil(recs), nil
}
