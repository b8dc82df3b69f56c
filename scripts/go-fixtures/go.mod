module effect-libcontainer/scripts/go-fixtures

go 1.19
