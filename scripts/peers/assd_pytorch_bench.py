"""Median forward time of the authors' ASSD513 (github.com/yijingru/ASSD-Pytorch) on the CPU.

Usage: python assd_pytorch_bench.py AUTHORS_REPO THREADS [RUNS]
Prints one line: `pytorch threads=T median_ms=M runs=R torch=V`.

What is timed matches `assd bench --model assd513`'s forward: random weights (PyTorch's seeded
default init), a fixed pseudo-random 1x3x513x513 input, eval mode, no_grad, the network and the
softmax of `conf`. The authors' code is imported from the path as it is; only its `PriorBox`,
which moves the priors to CUDA, is kept on the CPU (by making `Tensor.cuda` a no-op here).
"""
import statistics
import warnings
import sys
import time

import torch


def main():
    repo, threads = sys.argv[1], int(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    torch.set_num_threads(threads)
    warnings.filterwarnings("ignore")  # the authors' code uses deprecated upsample_bilinear
    torch.Tensor.cuda = lambda self, *args, **kwargs: self  # the priors stay on the CPU
    sys.path.insert(0, repo)
    import config as cfg  # noqa: E402 (the authors' modules, from the path above)
    from assd_resnet101 import ASSD_ResNet101  # noqa: E402

    torch.manual_seed(0)
    model = ASSD_ResNet101(
        num_classes=21,
        num_blocks=cfg.mbox,
        top_k=cfg.top_k,
        conf_thresh=cfg.conf_thresh,
        nms_thresh=cfg.nms_thresh,
        variance=cfg.variance,
    ).eval()
    image = torch.rand(1, 3, 513, 513, generator=torch.Generator().manual_seed(0))

    def forward():
        locs, conf, _ = model(image)
        return locs, torch.softmax(conf, dim=-1)

    times = []
    with torch.no_grad():
        for _ in range(2):  # warm-up
            forward()
        for _ in range(runs):
            start = time.perf_counter()
            forward()
            times.append((time.perf_counter() - start) * 1000)
    print(
        f"pytorch threads={threads} median_ms={statistics.median(times):.1f} "
        f"runs={runs} torch={torch.__version__}"
    )


if __name__ == "__main__":
    main()
