// floor is the bench's floor controller: the least a client-go controller can do when a migration
// Job completes. It watches the namespace's migration Jobs with a shared informer and, from the
// informer's event, creates one Deployment (<prefix><release>, zero replicas) per completed Job, on
// a goroutine of its own so that a burst never queues. The bench times that write from its own
// watch, as it times the operator's Deployment, so both are measured the same way.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path of the kubeconfig")
	namespace := flag.String("namespace", "", "namespace whose migration Jobs to react to")
	prefix := flag.String("prefix", "floor-go-", "name prefix of the Deployments written")
	flag.Parse()
	if *kubeconfig == "" || *namespace == "" {
		fmt.Fprintln(os.Stderr, "usage: floor --kubeconfig FILE --namespace NS [--prefix P]")
		os.Exit(2)
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	// No client-side rate limit: the operator's client has none either.
	config.QPS, config.Burst = -1, 0
	client := kubernetes.NewForConfigOrDie(config)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithNamespace(*namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = "app.kubernetes.io/component=migration"
		}))
	var reacted sync.Map
	react := func(obj interface{}) {
		job, ok := obj.(*batchv1.Job)
		if !ok {
			return
		}
		release := job.Labels["fleetlm.io/release"]
		if release == "" || !complete(job) {
			return
		}
		if _, seen := reacted.LoadOrStore(job.UID, true); seen {
			return
		}
		go write(ctx, client, job.Namespace, *prefix+release, job.UID)
	}
	factory.Batch().V1().Jobs().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    react,
		UpdateFunc: func(_, obj interface{}) { react(obj) },
	})
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	fmt.Println("floor: synced")
	<-ctx.Done()
}

func complete(job *batchv1.Job) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func write(ctx context.Context, client kubernetes.Interface, namespace, name string, job types.UID) {
	zero := int32(0)
	labels := map[string]string{"bench.fleetlm.io/floor": name}
	deployment := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "floor:1"}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments(namespace).Create(ctx, deployment, metav1.CreateOptions{}); err != nil {
		fmt.Fprintf(os.Stderr, "floor: Job %s: %v\n", job, err)
	}
}
