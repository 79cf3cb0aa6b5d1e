package conncodec

// Test helpers for the external ratio tests.
var (
	BatchesOf    = batchesOf
	ReadRecords  = readRecords
	ConnLogFiles = connLogFiles
)
