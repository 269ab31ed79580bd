# Reference values hard-coded in Tests/SharedTests/Evaluate/*.swift, printed by scikit-learn 1.9.1
# and NumPy 2.4.6: python3 -m venv v && v/bin/pip install scikit-learn && v/bin/python scripts/evaluate_reference.py
import numpy as np, sklearn
from sklearn import metrics as m
print("sklearn", sklearn.__version__, "numpy", np.__version__)
t=[0,0,0,1,1,2,2,2,2]; p=[0,1,0,1,1,2,0,2,1]
print("acc", m.accuracy_score(t,p), "bal", m.balanced_accuracy_score(t,p))
pr,rc,f1,_=m.precision_recall_fscore_support(t,p,average=None)
print("prec",pr.tolist()); print("rec",rc.tolist()); print("f1",f1.tolist())
print("macroF1", m.f1_score(t,p,average='macro'))
print("norm", m.confusion_matrix(t,p,normalize='true').tolist())
# class 2 predicted but never true: balanced accuracy over the classes in the truth
t2=[0,0,1,1]; p2=[0,2,1,1]
import warnings; warnings.simplefilter("ignore")
print("bal absent", m.balanced_accuracy_score(t2,p2))
y=[0,0,1,1]; s=[0.1,0.4,0.35,0.8]
print("doc auc", m.roc_auc_score(y,s), "ap", m.average_precision_score(y,s))
y=[0,0,1,1,0,1,0,1]; s=[0.1,0.4,0.35,0.8,0.4,0.4,0.2,0.9]
print("tie auc", m.roc_auc_score(y,s), "ap", m.average_precision_score(y,s))
fpr,tpr,th=m.roc_curve(y,s,drop_intermediate=False)
print("roc fpr",fpr.tolist()); print("roc tpr",tpr.tolist()); print("th",th.tolist())
prec,rec,th=m.precision_recall_curve(y,s)
print("pr prec",prec.tolist()); print("pr rec",rec.tolist()); print("pr th", th.tolist())
P=[[0.7,0.2,0.1],[0.2,0.5,0.3],[0.1,0.3,0.6],[0.4,0.4,0.2],[0.3,0.3,0.4],[0.5,0.1,0.4],[0.2,0.6,0.2],[0.1,0.2,0.7]]
T=[0,1,2,1,2,0,0,2]
print("ovr macro", m.roc_auc_score(T,P,multi_class='ovr',average='macro'))
for c in range(3): print(" class",c, m.roc_auc_score([int(x==c) for x in T],[r[c] for r in P]))
a=[0,1,2,2,1,0,3,3,2,1]; b=[0,2,2,1,1,0,3,2,2,0]
for w in [None,'linear','quadratic']: print("kappa",w, m.cohen_kappa_score(a,b,weights=w))
print("quantile", np.quantile([1,2,3,4],0.025), np.quantile([1,2,3,4],0.975))
