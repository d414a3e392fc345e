# expect: clean
"""Ships models through pickle (as multiprocessing and joblib do) and counts their modules."""
import pickle

import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


torch.manual_seed(1)
images = torch.randn(128, 1, 16, 16)
labels = torch.randint(0, 4, (128,))
cnn = SmallCNN()
rnn = nn.RNN(16, 12, batch_first=True)
head = nn.Linear(12, 4)
modules_before = len(list(cnn.named_modules()))
params = list(cnn.parameters()) + list(rnn.parameters()) + list(head.parameters())
optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.9)
for step in range(40):
    batch = slice((step * 16) % 128, (step * 16) % 128 + 16)
    optimizer.zero_grad()
    seq, _ = rnn(images[batch, 0])
    loss = F.cross_entropy(cnn(images[batch]), labels[batch]) + F.cross_entropy(
        head(seq[:, -1]), labels[batch]
    )
    loss.backward()
    optimizer.step()

blob = pickle.dumps({"cnn": cnn, "rnn": rnn, "head": head, "optimizer": optimizer.state_dict()})
copies = pickle.loads(blob)
assert len(list(copies["cnn"].named_modules())) == modules_before
print("pickled", len(blob), "bytes")
