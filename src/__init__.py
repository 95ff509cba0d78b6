"""A small NumPy library for the 'plain vanilla' 784-16-16-10 network of 3Blue1Brown's lesson.

No Streamlit in here: every module is plain NumPy and unit-testable. The modules at this level are the lesson's
maths; ``src.infra`` holds what a classroom server needs around it (MNIST files, weights files, the workshop).
"""
