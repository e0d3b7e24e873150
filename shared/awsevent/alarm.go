package awsevent

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// CloudWatch alarm event constants.
const (
	// SourceCloudWatch is the source of CloudWatch events.
	SourceCloudWatch = "aws.cloudwatch"
	// DetailTypeAlarmStateChange is the detail-type of alarm state changes,
	// for metric, metric-math, anomaly-detection and composite alarms alike.
	DetailTypeAlarmStateChange = "CloudWatch Alarm State Change"
)

// Alarm state values.
const (
	AlarmStateOK               = "OK"
	AlarmStateAlarm            = "ALARM"
	AlarmStateInsufficientData = "INSUFFICIENT_DATA"
)

// AlarmTimestampLayout is the layout of the timestamps inside alarm events
// (state.timestamp), e.g. 2019-10-02T17:04:40.989+0000. It is not RFC 3339.
const AlarmTimestampLayout = "2006-01-02T15:04:05.000-0700"

// AlarmStateChange is a "CloudWatch Alarm State Change" event.
type AlarmStateChange = Event[AlarmStateChangeDetail]

// AlarmStateChangeDetail is the detail of an alarm state change. Composite
// alarms carry Configuration.AlarmRule and no metrics; metric alarms carry
// Configuration.Metrics.
type AlarmStateChangeDetail struct {
	AlarmName     string             `json:"alarmName"`
	Operation     string             `json:"operation,omitempty"`
	State         AlarmState         `json:"state"`
	PreviousState AlarmState         `json:"previousState"`
	Configuration AlarmConfiguration `json:"configuration"`
	// AlarmTags is present when the alarm has tag propagation enabled.
	AlarmTags map[string]string `json:"alarmTags,omitempty"`
}

// AlarmState is one side of a state change.
type AlarmState struct {
	Value      string `json:"value"`
	Reason     string `json:"reason"`
	ReasonData string `json:"reasonData,omitempty"`
	// Timestamp is in AlarmTimestampLayout; see Time.
	Timestamp string `json:"timestamp"`
	// ActionsSuppressedBy and ActionsSuppressedReason appear on composite
	// alarms whose actions a suppressor alarm holds back (Alarm, ExtensionPeriod
	// or WaitPeriod).
	ActionsSuppressedBy     string `json:"actionsSuppressedBy,omitempty"`
	ActionsSuppressedReason string `json:"actionsSuppressedReason,omitempty"`
	// EvaluationState is PARTIAL_DATA or EVALUATION_ERROR when CloudWatch
	// could not evaluate the alarm fully.
	EvaluationState string `json:"evaluationState,omitempty"`
}

// Time parses Timestamp.
func (s AlarmState) Time() (time.Time, error) {
	t, err := time.Parse(AlarmTimestampLayout, s.Timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("alarm state timestamp %q: %w", s.Timestamp, err)
	}
	return t, nil
}

// AlarmConfiguration describes the alarm that changed state.
type AlarmConfiguration struct {
	Description string        `json:"description,omitempty"`
	Metrics     []AlarmMetric `json:"metrics,omitempty"`
	// AlarmRule is set for composite alarms only.
	AlarmRule                        string `json:"alarmRule,omitempty"`
	ActionsSuppressor                string `json:"actionsSuppressor,omitempty"`
	ActionsSuppressorWaitPeriod      int    `json:"actionsSuppressorWaitPeriod,omitempty"`
	ActionsSuppressorExtensionPeriod int    `json:"actionsSuppressorExtensionPeriod,omitempty"`
}

// AlarmMetric is one entry of a metric alarm's metrics: a metric with a
// statistic, or a math / anomaly-detection expression.
type AlarmMetric struct {
	ID         string      `json:"id"`
	MetricStat *MetricStat `json:"metricStat,omitempty"`
	Expression string      `json:"expression,omitempty"`
	Label      string      `json:"label,omitempty"`
	ReturnData *bool       `json:"returnData,omitempty"`
}

// MetricStat is a metric, a period in seconds and a statistic.
type MetricStat struct {
	Metric Metric `json:"metric"`
	Period int    `json:"period"`
	Stat   string `json:"stat"`
}

// Metric names a CloudWatch metric.
type Metric struct {
	Dimensions map[string]string `json:"dimensions,omitempty"`
	Name       string            `json:"name"`
	Namespace  string            `json:"namespace"`
}

// IsComposite reports whether the alarm is a composite alarm.
func (d AlarmStateChangeDetail) IsComposite() bool { return d.Configuration.AlarmRule != "" }

// Metrics returns the metrics (not expressions) the alarm watches.
func (d AlarmStateChangeDetail) Metrics() []Metric {
	var out []Metric
	for _, m := range d.Configuration.Metrics {
		if m.MetricStat != nil {
			out = append(out, m.MetricStat.Metric)
		}
	}
	return out
}

// Replication-lag metrics Switchyard gates automatic failover on.
const (
	MetricAuroraGlobalDBReplicationLag = "AuroraGlobalDBReplicationLag"
	MetricAuroraGlobalDBRPOLag         = "AuroraGlobalDBRPOLag"
	MetricDynamoDBReplicationLatency   = "ReplicationLatency"
)

// IsReplicationLag reports whether the alarm watches an Aurora global
// database lag metric or a DynamoDB global table's ReplicationLatency.
func (d AlarmStateChangeDetail) IsReplicationLag() bool {
	for _, m := range d.Metrics() {
		switch {
		case m.Namespace == "AWS/RDS" && (m.Name == MetricAuroraGlobalDBReplicationLag || m.Name == MetricAuroraGlobalDBRPOLag):
			return true
		case m.Namespace == "AWS/DynamoDB" && m.Name == MetricDynamoDBReplicationLatency:
			return true
		}
	}
	return false
}

// TriggeringAlarm is one entry of a composite alarm's reasonData.
type TriggeringAlarm struct {
	ARN   string `json:"arn"`
	State struct {
		Value     string `json:"value"`
		Timestamp string `json:"timestamp"`
	} `json:"state"`
}

// TriggeringAlarms decodes the triggeringAlarms listed in a composite alarm
// state's reasonData. It returns an error for a metric alarm's reasonData.
func (s AlarmState) TriggeringAlarms() ([]TriggeringAlarm, error) {
	var rd struct {
		TriggeringAlarms []TriggeringAlarm `json:"triggeringAlarms"`
	}
	if err := json.Unmarshal([]byte(s.ReasonData), &rd); err != nil {
		return nil, fmt.Errorf("alarm reasonData: %w", err)
	}
	if rd.TriggeringAlarms == nil {
		return nil, fmt.Errorf("alarm reasonData has no triggeringAlarms (not a composite alarm)")
	}
	return rd.TriggeringAlarms, nil
}

// AlarmNameFromARN returns the name in an alarm ARN
// (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME), or "" if arn is not one.
func AlarmNameFromARN(arn string) string {
	const marker = ":alarm:"
	i := strings.Index(arn, marker)
	if !strings.HasPrefix(arn, "arn:") || i < 0 {
		return ""
	}
	return arn[i+len(marker):]
}
