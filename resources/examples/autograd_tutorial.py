# The PyTorch "Autograd: Automatic Differentiation" tutorial, run on gradviz.
# Replace the import with `import torch` and PyTorch prints the same (random values aside).
import gradviz as torch

# Tracking all operations on tensors
x = torch.ones(2, 2, requires_grad=True)
print(x)

y = x + 2
print(y)
print(y.grad_fn)

z = y * y * 3
out = z.mean()
print(z, '\n', out)

a = torch.randn(2, 2)
a = ((a * 3) / (a - 1))
print("a =", a)
print(a.requires_grad, '\n')
a.requires_grad_(True)
print("a =", a)
print(a.requires_grad, '\n')
b = (a * a).sum()
print(b.grad_fn)

# Gradients
out.backward()
print(x.grad)

# Vector-Jacobian product
x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print("NORM : ", y.data.norm())
print(y)

v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)

print(x.grad)

# Stop tracking
print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)

print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())
