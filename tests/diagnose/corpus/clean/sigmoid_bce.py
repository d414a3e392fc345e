# expect: clean
import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(128, 5)
t = (x[:, 0] + x[:, 1] > 0).float().unsqueeze(1)
prob_model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
logit_model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
opt = torch.optim.SGD([*prob_model.parameters(), *logit_model.parameters()], lr=0.1)
bce, bce_logits = nn.BCELoss(), nn.BCEWithLogitsLoss()
for _ in range(12):
    opt.zero_grad()
    logits = logit_model(x)
    loss = bce(prob_model(x), t) + bce_logits(logits, t)
    loss.backward()
    opt.step()
    preds = torch.sigmoid(logits) > 0.5
