package awsevent

import (
	"regexp"
)

// RDS event constants.
const (
	// SourceRDS is the source of RDS events.
	SourceRDS = "aws.rds"
	// DetailTypeRDSClusterEvent is the detail-type of DB cluster events, which
	// include the Aurora global database ("global-failover" category) events.
	DetailTypeRDSClusterEvent = "RDS DB Cluster Event"
	// CategoryGlobalFailover is the event category of global-cluster
	// switchover and failover events.
	CategoryGlobalFailover = "global-failover"
)

// RDS event IDs of Aurora global database switchover and failover, from
// "Amazon RDS event categories and event messages for Aurora" (DB cluster
// events, category "global failover"). There is no documented "global
// failover started" event: a failover in progress shows only in
// DescribeGlobalClusters (FailoverState.Status = failing-over).
const (
	EventGlobalSwitchoverStarted    = "RDS-EVENT-0181" // Global switchover to DB cluster X in Region Y started.
	EventGlobalOldPrimaryShutDown   = "RDS-EVENT-0182" // Old primary DB cluster X in Region Y successfully shut down.
	EventGlobalWaitingForSync       = "RDS-EVENT-0183" // Waiting for data synchronization across global cluster members. Current lags behind primary DB cluster: ...
	EventGlobalNewPrimaryPromoted   = "RDS-EVENT-0184" // New primary DB cluster X in Region Y was successfully promoted.
	EventGlobalSwitchoverFinished   = "RDS-EVENT-0185" // Global switchover to DB cluster X in Region Y finished.
	EventGlobalSwitchoverCancelled  = "RDS-EVENT-0186" // Global switchover to DB cluster X in Region Y is cancelled.
	EventGlobalSwitchoverFailed     = "RDS-EVENT-0187" // Global switchover to DB cluster X in Region Y failed.
	EventGlobalFailoverCompleted    = "RDS-EVENT-0238" // Global failover to DB cluster X in Region Y completed.
	EventGlobalFailoverFailed       = "RDS-EVENT-0239" // Global failover to DB cluster X in Region Y failed.
	EventGlobalResyncStarted        = "RDS-EVENT-0240" // Started resynchronizing members of DB cluster X in Region Y after global failover.
	EventGlobalResyncFinished       = "RDS-EVENT-0241" // Finished resynchronizing members of DB cluster X in Region Y after global failover.
	EventGlobalWriterEndpointMoved  = "RDS-EVENT-0397" // Aurora finished changing the DNS name that the global writer endpoint resolves to.
	EventGlobalWaitingForTargetSync = "RDS-EVENT-0423" // Waiting for data synchronization with the target DB cluster. ...
	EventGlobalFailoverNoInstances  = "RDS-EVENT-0519" // Global database failover to DB cluster X in global database Y completed. The DB cluster has no instances. ...
)

// RDSClusterEvent is an "RDS DB Cluster Event".
type RDSClusterEvent = Event[RDSEventDetail]

// RDSEventDetail is the detail of an RDS event as EventBridge delivers it.
type RDSEventDetail struct {
	EventCategories  []string `json:"EventCategories"`
	SourceType       string   `json:"SourceType"`
	SourceArn        string   `json:"SourceArn"`
	Date             string   `json:"Date"`
	Message          string   `json:"Message"`
	SourceIdentifier string   `json:"SourceIdentifier"`
	EventID          string   `json:"EventID"`
	// Tags are the resource's tags when the event was sent.
	Tags map[string]string `json:"Tags,omitempty"`
}

// GlobalOperation says which step of which global-cluster operation an RDS
// event reports.
type GlobalOperation struct {
	// Kind is "switchover" or "failover".
	Kind string
	// Phase is "started", "progress", "completed", "cancelled" or "failed".
	Phase string
	// Cluster and Region are the DB cluster and Region named by the message
	// (the target of the operation for started/completed/failed events); empty
	// when the message does not name them.
	Cluster string
	Region  string
}

// Terminal reports whether the phase ends the operation.
func (o GlobalOperation) Terminal() bool {
	return o.Phase == "completed" || o.Phase == "cancelled" || o.Phase == "failed"
}

var globalOps = map[string]GlobalOperation{
	EventGlobalSwitchoverStarted:    {Kind: "switchover", Phase: "started"},
	EventGlobalOldPrimaryShutDown:   {Kind: "switchover", Phase: "progress"},
	EventGlobalWaitingForSync:       {Kind: "switchover", Phase: "progress"},
	EventGlobalNewPrimaryPromoted:   {Kind: "switchover", Phase: "progress"},
	EventGlobalSwitchoverFinished:   {Kind: "switchover", Phase: "completed"},
	EventGlobalSwitchoverCancelled:  {Kind: "switchover", Phase: "cancelled"},
	EventGlobalSwitchoverFailed:     {Kind: "switchover", Phase: "failed"},
	EventGlobalWaitingForTargetSync: {Kind: "switchover", Phase: "progress"},
	EventGlobalFailoverCompleted:    {Kind: "failover", Phase: "completed"},
	EventGlobalFailoverFailed:       {Kind: "failover", Phase: "failed"},
	EventGlobalResyncStarted:        {Kind: "failover", Phase: "progress"},
	EventGlobalResyncFinished:       {Kind: "failover", Phase: "progress"},
	EventGlobalWriterEndpointMoved:  {Kind: "failover", Phase: "progress"},
	EventGlobalFailoverNoInstances:  {Kind: "failover", Phase: "completed"},
}

var clusterInRegion = regexp.MustCompile(`DB cluster (\S+) in Region (\S+?)[ .]`)

// GlobalOperation classifies a global-cluster switchover or failover event;
// ok is false for any other RDS event.
func (d RDSEventDetail) GlobalOperation() (op GlobalOperation, ok bool) {
	op, ok = globalOps[d.EventID]
	if !ok {
		return GlobalOperation{}, false
	}
	if m := clusterInRegion.FindStringSubmatch(d.Message); m != nil {
		op.Cluster, op.Region = m[1], m[2]
	}
	return op, true
}
