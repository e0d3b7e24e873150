package api

import "strings"

// PrincipalAllowed reports whether caller, the IAM principal API Gateway
// authenticated, is one of allowed (a plan's fallbackApprovers). An exact
// match counts; so does an assumed-role session
// (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION) of an allowed role
// (arn:aws:iam::ACCOUNT:role/PATH/NAME): STS session ARNs drop the role's
// path, so the partition, account and role name are compared.
func PrincipalAllowed(caller string, allowed []string) bool {
	if caller == "" {
		return false
	}
	for _, a := range allowed {
		if a == caller {
			return true
		}
	}
	part, acct, res, ok := splitARN(caller)
	if !ok || !strings.HasPrefix(res, "assumed-role/") {
		return false
	}
	segs := strings.Split(res, "/")
	if len(segs) != 3 || segs[1] == "" {
		return false
	}
	role := segs[1]
	for _, a := range allowed {
		ap, aacct, ares, ok := splitARN(a)
		if !ok || ap != part || aacct != acct || !strings.HasPrefix(ares, "role/") {
			continue
		}
		if ares[strings.LastIndexByte(ares, '/')+1:] == role {
			return true
		}
	}
	return false
}

// splitARN splits an IAM or STS ARN into partition, account and resource.
func splitARN(arn string) (partition, account, resource string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || (f[2] != "iam" && f[2] != "sts") || f[4] == "" {
		return "", "", "", false
	}
	return f[1], f[4], f[5], true
}
