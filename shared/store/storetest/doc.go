// Package storetest is the contract suite every store.Store implementation
// must pass: Run it from the implementation's tests with a factory that
// builds an empty store on the clock it is given.
package storetest
