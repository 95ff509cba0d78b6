"""What a classroom server needs beyond the lesson's maths: MNIST (downloaded and verified), weights files read
without trusting them, atomic writes, and the workshop (rules, nicknames, storage, the lesson room)."""
