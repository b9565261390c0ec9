module tasktrace/bench

go 1.19
