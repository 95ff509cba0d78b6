"""What a classroom server needs beyond the lesson's maths: MNIST (downloaded and verified), weights files
read without trusting them, untrusted text quoted safely, atomic writes, and the workshop (rules, storage)."""
