"""Median latency of TensorFlow Lite (ai-edge-litert, XNNPACK) on SSD-MobileNet's detect.tflite.

Usage: python litert_bench.py DETECT_TFLITE THREADS [RUNS]
Prints one line: `litert threads=T median_ms=M runs=R`. The input is a fixed pseudo-random
300x300 uint8 image (the model's input; post-processing included, as in the app's path).
"""
import statistics
import sys
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main():
    path, threads = sys.argv[1], int(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    interpreter = Interpreter(model_path=path, num_threads=threads)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    image = np.random.default_rng(0).integers(0, 256, size=inp["shape"], dtype=np.uint8)
    image = image.astype(inp["dtype"])
    for _ in range(5):  # warm-up
        interpreter.set_tensor(inp["index"], image)
        interpreter.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        interpreter.set_tensor(inp["index"], image)
        interpreter.invoke()
        times.append((time.perf_counter() - start) * 1000)
    print(f"litert threads={threads} median_ms={statistics.median(times):.2f} runs={runs}")


if __name__ == "__main__":
    main()
