// Package widgets holds Hongyan's reusable Fyne widgets (message list row,
// folder tree, address entry, attachment chips, message body view). It
// imports Fyne and small view structs, never mailcore.
package widgets
