"""Train an MLP on 300 hand-labelled digits, save it, and check the saved model.

About a third of these labels were typed in wrong (real data sets have label
noise too). The script trains for 100 epochs, saves a checkpoint, then loads it
into a fresh model, the way an evaluation or serving script later would, and
scores it on 500 correctly labelled validation digits.

Reference solution of the overfitting-capacity bug hunt: the big MLP memorizes
the wrong labels, so its validation loss is lowest after about 8 epochs and
climbs after that; the old script saved epoch 100. This one keeps a copy of the
weights whenever the validation loss reaches a new minimum, stops once it has
not improved for `patience` epochs, and saves that best copy.
"""

import copy
import json
import tempfile
from pathlib import Path

import torch
from torch import nn

from dllab.lessonkit.data import digits, noisy_labels

# -----------------------------------------------------------------------------
# config
n_train = 300
epochs = 100
batch_size = 32
lr = 1e-3
seed = 0
patience = 5  # epochs without a new best validation loss before stopping
checkpoint = Path(tempfile.mkdtemp()) / "digits_mlp.pt"
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.set_num_threads(1)  # small tensors: one thread is faster
data = digits("standardize")  # 64 features, z-scored; validation labels are clean
x_train = data.x_train[:n_train]
y_train, _ = noisy_labels(data.y_train[:n_train], 0.3, 10, seed=1234)


def make_model():
    return nn.Sequential(
        nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )


model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
loss_fn = nn.CrossEntropyLoss()


@torch.no_grad()
def validate(net):
    net.eval()
    logits = net(data.x_val)  # (500, 64) -> (500, 10)
    loss = loss_fn(logits, data.y_val).item()
    acc = (logits.argmax(1) == data.y_val).float().mean().item()
    net.train()
    return loss, acc


best_loss, best_epoch, best_state = float("inf"), 0, None
for epoch in range(1, epochs + 1):
    total = 0.0
    for idx in torch.randperm(n_train).split(batch_size):
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    val_loss, val_acc = validate(model)
    print(
        f"epoch {epoch:3d}  train loss {total / n_train:.4f}  val loss {val_loss:.4f}  val acc {val_acc:.3f}"
    )
    if val_loss < best_loss:  # FIX: remember the best epoch's weights (a copy, not a reference)
        best_loss, best_epoch, best_state = val_loss, epoch, copy.deepcopy(model.state_dict())
    elif epoch - best_epoch >= patience:  # FIX: stop once validation stops improving
        break

torch.save({"epoch": best_epoch, "model": best_state}, checkpoint)  # FIX: was the last epoch

# --- later, in the evaluation script: load the checkpoint and score it
saved = torch.load(checkpoint)
final = make_model()
final.load_state_dict(saved["model"])
val_loss, val_acc = validate(final)
print(f"saved model (epoch {saved['epoch']}): val loss {val_loss:.4f}  val acc {val_acc:.3f}")
print("RESULT " + json.dumps({"val_acc": val_acc, "val_loss": val_loss, "epoch": saved["epoch"]}))
